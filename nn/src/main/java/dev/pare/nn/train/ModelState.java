package dev.pare.nn.train;

import dev.pare.nn.Dropout;
import dev.pare.nn.Model;
import dev.pare.nn.Module;
import dev.pare.nn.optim.Optimizer;
import dev.pare.tensor.Rng;
import dev.pare.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What of a {@link Model} a {@link TrainingCheckpoint} saves: its tensors, and the generators its
 * layers draw from while training.
 *
 * <p>The one place where the training loop looks inside a model. A {@link Module} gives its
 * state dict (parameters <em>and</em> buffers such as batch norm's running statistics, which no
 * optimizer sees) and the generator of each {@link Dropout}; any other model (a lambda) is known
 * only through the optimizer's parameters, saved as {@code param.<i>}.
 */
final class ModelState {
    private ModelState() {}

    /** The tensors to save, sharing storage with the model (copying into them restores it). */
    static Map<String, Tensor> tensors(Model model, Optimizer optimizer) {
        if (model instanceof Module) {
            return ((Module) model).stateDict();
        }
        Map<String, Tensor> out = new LinkedHashMap<>();
        List<Tensor> params = optimizer.parameters();
        for (int i = 0; i < params.size(); i++) {
            out.put("param." + i, params.get(i).detach());
        }
        return out;
    }

    /**
     * The generators of every dropout layer, named {@code dropout:<module path>} ({@code dropout:}
     * alone for a model that is itself a dropout layer), in module order.
     */
    static Map<String, Rng> generators(Model model) {
        Map<String, Rng> out = new LinkedHashMap<>();
        if (model instanceof Module) {
            for (Map.Entry<String, Module> m : ((Module) model).namedModules().entrySet()) {
                if (m.getValue() instanceof Dropout) {
                    out.put("dropout:" + m.getKey(), ((Dropout) m.getValue()).rng());
                }
            }
        }
        return out;
    }
}
