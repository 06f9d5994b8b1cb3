/**
 * int8 quantization of trained models: the policies (which scale, which zero point, which
 * layers) on top of the int8 kernels of {@code dev.pare.tensor.kernels}.
 *
 * <p>Start with {@link dev.pare.compress.quantize.QuantParams} (scale and zero point, the
 * arithmetic and its edge cases), then the observers that choose a range from calibration data
 * ({@link dev.pare.compress.quantize.MinMaxObserver} and its siblings), then the two steps every
 * quantized layer shares, {@link dev.pare.compress.quantize.WeightQuantizer} (a trained weight to
 * symmetric codes and per-row scales) and {@code InputQuantizer} (which grid a float input is
 * rounded to, by mode), then the layers {@link dev.pare.compress.quantize.QuantizedLinear} and
 * {@link dev.pare.compress.quantize.QuantizedConv2d}, then {@link dev.pare.compress.quantize.Quantizer},
 * which rewrites a model: weight-only, dynamic, static (calibrated) and quantization-aware
 * training ({@link dev.pare.compress.quantize.FakeQuantize}). {@link
 * dev.pare.compress.quantize.QuantizedCheckpoint} saves and loads a quantized model as int8
 * safetensors.
 *
 * <p>Guarantees: rounding is half to even and values beyond the range saturate (both from
 * {@link dev.pare.tensor.kernels.QuantizeKernels}); a zero range, NaN or infinity in calibration
 * data and an empty calibration set each give a documented result or an
 * {@link java.lang.IllegalArgumentException}/{@link java.lang.IllegalStateException}, never a
 * division by zero. Quantized layers are inference-only and say so if asked for gradients.
 * The arithmetic, a worked example and measured figures are in docs/quantization.md.
 *
 * <p>Arrays in and out of a quantized layer: a constructor keeps the arrays it is given (the
 * layer takes them over; pass copies if you keep using yours), and every accessor that returns an
 * array ({@code weightCodes()}, {@code weightScales()}, {@code bias()}, {@code weightShape()})
 * returns a copy, so nothing outside can change a layer after it is built.
 */
package dev.pare.compress.quantize;
