package dev.pare.compress.stack;

import dev.pare.compress.quantize.QuantizedConv2d;
import dev.pare.compress.quantize.QuantizedLinear;
import dev.pare.compress.quantize.WeightQuantizer;
import dev.pare.nn.Module;
import dev.pare.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Weights quantized to fewer than 8 bits, computed with the int8 kernels.
 *
 * <p>A b-bit symmetric code holds [−q, q] with q = 2^(b−1) − 1 (7 at 4 bits). Row r of a weight
 * gets the scale {@code s[r] = max_j |w[r, j]| / q} (per channel; per tensor, one maximum for
 * all rows) and the codes {@code round_half_even(w / s)}. Each stored weight then costs b bits
 * in a {@link CompressedCheckpoint}, while the layer still runs the int8 kernels: a 4-bit code is
 * a small int8 code, so nothing in the arithmetic changes, only the rounding step is coarser
 * (error ≤ s/2 with s about 127/q times the 8-bit scale).
 *
 * <p>Why not fewer bits in the kernels too? Without int4 instructions a CPU would unpack the
 * nibbles to bytes before multiplying anyway; the saving of low bit widths is in bytes on disk
 * (and, if the codes were unpacked per call, in memory traffic), which is what this class buys.
 */
public final class LowBitWeights {
    private LowBitWeights() {}

    /**
     * The layer {@code q} with its weights re-quantized from the float weights {@code weight}
     * ({@code [out, in]}, the weights {@code q} was made from) to {@code bits} bits. Mode,
     * granularity, bias and input parameters are kept. At 8 bits, {@code q} itself is returned.
     *
     * @throws IllegalArgumentException if the bit width is outside [2, 8] or the shapes differ
     */
    public static QuantizedLinear requantize(QuantizedLinear q, Tensor weight, int bits) {
        int qmax = BitPacking.maxCode(bits);
        if (bits == 8) {
            return q;
        }
        int out = q.outFeatures();
        int in = q.inFeatures();
        if (weight.dim() != 2 || weight.size(0) != out || weight.size(1) != in) {
            throw new IllegalArgumentException("LowBitWeights.requantize: float weight " + java.util.Arrays.toString(weight.shape())
                    + " does not match the quantized layer [" + out + ", " + in + "]");
        }
        WeightQuantizer.Codes w = WeightQuantizer.quantize(weight, q.granularity(), qmax);
        return new QuantizedLinear(in, out, w.codes(), w.scales(), q.bias(), q.mode(), q.granularity(), q.inputParams());
    }

    /**
     * Re-quantizes every {@link QuantizedLinear} of {@code quantized} to {@code bits} bits, in
     * place, from the float weights of {@code floatModel} (the model it was quantized from, with
     * the same module paths). Returns {@code quantized}.
     */
    public static Module requantizeAll(Module quantized, Module floatModel, int bits) {
        BitPacking.maxCode(bits);
        if (bits == 8) {
            return quantized;
        }
        Map<String, Tensor> floats = floatModel.stateDict();
        Map<String, QuantizedLinear> layers = new LinkedHashMap<>();
        quantized.namedModules().forEach((path, m) -> {
            if (m instanceof QuantizedLinear ql) {
                layers.put(path, ql);
            } else if (m instanceof QuantizedConv2d) {
                throw new IllegalArgumentException("LowBitWeights.requantizeAll: layer '" + path + "' is a QuantizedConv2d;"
                        + " only QuantizedLinear layers can be re-quantized below 8 bits");
            }
        });
        for (Map.Entry<String, QuantizedLinear> e : layers.entrySet()) {
            String path = e.getKey();
            Tensor w = floats.get(path.isEmpty() ? "weight" : path + ".weight");
            if (w == null) {
                boolean masked = floats.containsKey(path + ".weight_orig");
                throw new IllegalArgumentException("LowBitWeights.requantizeAll: the float model has no weight at '"
                        + path + "'" + (masked ? "; it is still masked: bake the masks in with Mask.removeAll first"
                        : "; pass the model the quantized one was made from"));
            }
            if (path.isEmpty()) {
                throw new IllegalArgumentException("LowBitWeights.requantizeAll: the model is a bare layer; use requantize");
            }
            quantized.replaceModule(path, requantize(e.getValue(), w, bits));
        }
        return quantized;
    }
}
