package dev.pare.tensor;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reverse-mode automatic differentiation over the graph of {@link Node}s.
 *
 * <h2>Why a topological order</h2>
 * The chain rule says the gradient of a tensor is the sum of the gradients flowing back from
 * every use of it. In {@code b = a + a; c = b * b}, {@code b} is used twice by the multiply, and
 * {@code a} twice by the add. A node may only pass its gradient on once that sum is complete, that
 * is, after every op that consumed its output has run its backward. Processing nodes in reverse
 * topological order (consumers before producers) guarantees exactly that.
 *
 * <h2>Why iterative</h2>
 * A recursive depth-first search uses one stack frame per node on the path, and a recurrent net
 * unrolled over many steps, or a long chain of small ops, easily reaches tens of thousands of
 * nodes: a recursive sort would throw {@code StackOverflowError}. The sort below keeps its own
 * explicit stack instead, so the depth of the graph is limited only by memory.
 */
final class Autograd {
    private Autograd() {}

    /**
     * Returns {@code out} with a node recording {@code op} attached, if grad mode is on and any
     * input requires a gradient. Each differentiable op calls this right after its forward code,
     * passing its backward code as {@code backward}.
     */
    static Tensor record(String op, Tensor out, BackwardFn backward, Tensor... inputs) {
        if (willRecord(inputs)) {
            out.attach(new Node(op, inputs, backward));
        }
        return out;
    }

    /** Grad mode is on and some non-null input requires grad: see {@link Tensor#willRecord}. */
    static boolean willRecord(Tensor... inputs) {
        if (!GradMode.isEnabled()) {
            return false;
        }
        for (Tensor in : inputs) {
            if (in != null && in.requiresGrad()) {
                return true;
            }
        }
        return false;
    }

    /**
     * Runs the backward pass from {@code root}, seeded with {@code seed} (dL/droot), and adds the
     * resulting gradient into {@code .grad()} of every leaf that requires one.
     */
    static void backward(Tensor root, Tensor seed) {
        List<Tensor> order = topologicalOrder(root);
        Map<Tensor, Tensor> grads = new IdentityHashMap<>();
        grads.put(root, seed);
        // The backward code of each op is itself written with tensor ops; it must not record.
        BackwardArrays.begin();
        try (GradMode.Scope ignored = GradMode.disable()) {
            for (int i = order.size() - 1; i >= 0; i--) {
                Tensor t = order.get(i);
                Tensor g = grads.remove(t);
                if (g == null) {
                    continue; // t does not influence root through any differentiable path
                }
                Node node = t.gradFn();
                if (node == null) {
                    t.accumulateGrad(g);   // a copy: g's array is free afterwards
                    BackwardArrays.release(g, grads.values());
                    continue;
                }
                Tensor[] inputGrads = node.backward.apply(g);
                // Gradients no one will read once the loop below has filed the rest: those for
                // inputs that need none, and both terms of every sum.
                List<Tensor> dropped = new ArrayList<>(0);
                for (int k = 0; k < node.inputs.length; k++) {
                    Tensor in = node.inputs[k];
                    Tensor gk = inputGrads[k];
                    if (in == null || gk == null || !in.requiresGrad()) {
                        if (gk != null) {
                            dropped.add(gk);
                        }
                        continue;
                    }
                    if (!java.util.Arrays.equals(gk.shape(), in.shape())) {
                        throw new IllegalStateException("backward of " + node.op + ": gradient for input " + k
                                + " has shape " + Shape.str(gk.shape()) + " but the input has shape "
                                + Shape.str(in.shape()));
                    }
                    // Sum over every use; never add in place, since gk may be shared with
                    // another input's gradient (add passes the same tensor to both sides).
                    Tensor earlier = grads.get(in);
                    grads.merge(in, gk, Tensor::add);
                    if (earlier != null) {
                        dropped.add(earlier);
                        dropped.add(gk);
                    }
                }
                // g has been consumed, and the dropped gradients are dead: their arrays may serve
                // a later op of this pass. Only now, after everything is filed: add returns g for
                // both inputs, and freeing it after the first would hand out what the second files.
                BackwardArrays.release(g, grads.values());
                for (Tensor d : dropped) {
                    BackwardArrays.release(d, grads.values());
                }
            }
        } finally {
            BackwardArrays.end();
        }
    }

    /**
     * Every tensor reachable from {@code root} that requires a gradient, producers before
     * consumers (so the root comes last). Iterative post-order depth-first search.
     */
    static List<Tensor> topologicalOrder(Tensor root) {
        List<Tensor> order = new ArrayList<>();
        Map<Tensor, Boolean> visited = new IdentityHashMap<>();
        // Each stack entry is a tensor and how many of its inputs have been pushed so far.
        ArrayDeque<Object[]> stack = new ArrayDeque<>();
        stack.push(new Object[] {root, 0});
        visited.put(root, Boolean.TRUE);
        while (!stack.isEmpty()) {
            Object[] top = stack.peek();
            Tensor t = (Tensor) top[0];
            int next = (Integer) top[1];
            Node node = t.gradFn();
            Tensor[] inputs = node == null ? new Tensor[0] : node.inputs;
            while (next < inputs.length
                    && (inputs[next] == null || !inputs[next].requiresGrad() || visited.containsKey(inputs[next]))) {
                next++;
            }
            if (next < inputs.length) {
                top[1] = next + 1;
                visited.put(inputs[next], Boolean.TRUE);
                stack.push(new Object[] {inputs[next], 0});
            } else {
                stack.pop();
                order.add(t); // all of t's inputs are already in the list
            }
        }
        return order;
    }
}
