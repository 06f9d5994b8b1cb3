package dev.pare.nn;

import dev.pare.tensor.GradMode;
import dev.pare.tensor.Tensor;
import java.util.Arrays;

/**
 * Batch normalisation, the part shared by {@link BatchNorm1d} and {@link BatchNorm2d}: each
 * channel {@code c} is normalised with statistics over every other dimension but the channel
 * (batch, and length or height and width), then scaled and shifted by learned {@code γ, β}.
 *
 * <pre>
 *   y = (x − E[x]) / √(Var[x] + ε) · γ + β
 * </pre>
 * <ul>
 *   <li><b>Training:</b> {@code E[x]} and {@code Var[x]} are the mean and the <em>biased</em>
 *       variance (divided by {@code m}, the number of values per channel) of the current batch,
 *       and the gradient flows through them. The running statistics are then updated with
 *       {@code running = (1 − momentum)·running + momentum·batch}, using the <em>unbiased</em>
 *       variance ({@code ·m/(m − 1)}) for {@code running_var}, exactly as PyTorch does, and
 *       {@code num_batches_tracked} grows by one.</li>
 *   <li><b>Evaluation:</b> {@code running_mean} and {@code running_var} replace the batch
 *       statistics, so each sample's output no longer depends on the rest of its batch.</li>
 * </ul>
 * Why: normalising every channel to zero mean and unit variance keeps the input distribution of
 * the next layer steady while the weights change, which allows higher learning rates; γ and β
 * give back the freedom to choose any scale and shift.
 *
 * <p>State dict names follow PyTorch: {@code weight} (γ), {@code bias} (β), {@code running_mean},
 * {@code running_var}, {@code num_batches_tracked}. The last is an int64 in PyTorch and a 0-d float
 * tensor here (exact up to 2²⁴ batches). The checkpoint code converts it both ways:
 * {@link dev.pare.nn.io.SafeTensors#load} reads PyTorch's I64 into the float (refusing a count
 * beyond 2²⁴ rather than rounding it), and {@link dev.pare.nn.io.Checkpoint#of} writes it back
 * as I64 ({@link dev.pare.nn.io.Checkpoint#INT64_BUFFERS}), so PyTorch reads Pare's file as its own.
 *
 * <p>Training mode runs as one op with a hand-derived backward pass ({@link BatchNormOp});
 * evaluation mode is an affine map per channel, written with tensor operations.
 *
 * <p>Momentum is a fixed number; PyTorch's {@code momentum=None} (a cumulative average) is not
 * supported.
 */
public abstract class BatchNorm extends Module {
    private final int numFeatures;
    private final double eps;
    private final double momentum;
    private final Tensor weight;
    private final Tensor bias;
    private final Tensor runningMean;
    private final Tensor runningVar;
    private final Tensor numBatchesTracked;

    /**
     * @param numFeatures        C, the number of channels
     * @param eps                added to the variance so that a constant channel does not divide by 0
     * @param momentum           weight of the current batch in the running statistics
     * @param affine             whether to learn γ (init 1) and β (init 0)
     * @param trackRunningStats  whether to keep running statistics; without them evaluation mode
     *                           also uses batch statistics
     */
    protected BatchNorm(int numFeatures, double eps, double momentum, boolean affine, boolean trackRunningStats) {
        this.numFeatures = numFeatures;
        this.eps = eps;
        this.momentum = momentum;
        if (numFeatures <= 0 || !(eps > 0) || !(momentum >= 0 && momentum <= 1)) {
            throw new IllegalArgumentException(typeName() + "(" + numFeatures + ", eps=" + eps + ", momentum="
                    + momentum + "): need num_features > 0, eps > 0 and momentum in [0, 1]");
        }
        this.weight = affine ? registerParameter("weight", Tensor.ones(numFeatures)) : null;
        this.bias = affine ? registerParameter("bias", Tensor.zeros(numFeatures)) : null;
        if (trackRunningStats) {
            runningMean = registerBuffer("running_mean", Tensor.zeros(numFeatures));
            runningVar = registerBuffer("running_var", Tensor.ones(numFeatures));
            numBatchesTracked = registerBuffer("num_batches_tracked", Tensor.scalar(0f));
        } else {
            runningMean = null;
            runningVar = null;
            numBatchesTracked = null;
        }
    }

    /** Fails with a clear message unless {@code x} has a shape this layer accepts. */
    abstract void checkInput(Tensor x);

    /** γ = 1, β = 0 (deterministic, so no Rng), and fresh running statistics. */
    public void resetParameters() {
        resetRunningStats();
        if (weight != null) {
            Init.constant(weight, 1f);
            Init.constant(bias, 0f);
        }
    }

    /** running_mean = 0, running_var = 1, num_batches_tracked = 0. */
    public void resetRunningStats() {
        if (runningMean != null) {
            Init.constant(runningMean, 0f);
            Init.constant(runningVar, 1f);
            Init.constant(numBatchesTracked, 0f);
        }
    }

    @Override
    public Tensor forward(Tensor x) {
        return forward(x, false);
    }

    /**
     * {@code relu(BN(x))}: this layer followed by a {@link ReLU}, which {@link Sequential} calls
     * when a ReLU follows. The same values as the two modules one after the other (the gradient
     * is 0 where the output is 0, as PyTorch's ReLU backward gives it); the ReLU is applied as
     * the output is written, and in training its backward masks the gradient inside the batch
     * norm's own sweeps, so the step writes one full-size array fewer each way.
     */
    public Tensor forwardRelu(Tensor x) {
        return forward(x, true);
    }

    private Tensor forward(Tensor x, boolean relu) {
        checkInput(x);
        int[] shape = x.shape();
        // [C] parameters and statistics are viewed as [1, C, 1, …] to broadcast along channels.
        int[] channelShape = new int[shape.length];
        Arrays.fill(channelShape, 1);
        channelShape[1] = numFeatures;

        if (isTraining() || runningMean == null) {
            int m = x.numel() / numFeatures;
            if (m < 2) {
                throw new IllegalArgumentException(describe() + ": input of shape " + Arrays.toString(shape)
                        + ": training needs more than 1 value per channel to estimate a variance");
            }
            float[] mean = new float[numFeatures];
            float[] var = new float[numFeatures];
            Tensor y = BatchNormOp.train(x, weight, bias, eps, mean, var, relu);
            if (isTraining() && runningMean != null) {
                updateRunningStats(mean, var, m);
            }
            return y;
        }
        // Evaluation: fixed statistics make this a per-channel affine map.
        Tensor scale = runningVar.add((float) eps).sqrt().view(channelShape);
        if (!Tensor.willRecord(x, weight, bias)) {
            // Nothing to differentiate: one pass and one output array instead of four temporaries.
            return BatchNormOp.affine(x, runningMean, scale, weight, bias, relu);
        }
        // Someone needs gradients (e.g. fine-tuning γ, β in eval mode): autograd handles it.
        Tensor normalised = x.sub(runningMean.view(channelShape)).div(scale);
        Tensor y = weight == null ? normalised : normalised.mul(weight.view(channelShape)).add(bias.view(channelShape));
        return relu ? y.relu() : y;
    }

    /**
     * This layer in evaluation, and its ReLU when {@code relu}, as a {@link PlaneEpilogue} that a
     * convolution applies to its own output planes: the values {@link #forward} (or
     * {@link #forwardRelu}) would give. Null when that is not a fixed per-channel map with
     * nothing to record: in training, without running statistics, or when γ or β require a
     * gradient (with gradients on).
     */
    PlaneEpilogue evalEpilogue(boolean relu) {
        if (isTraining() || runningMean == null || Tensor.willRecord(weight, bias)) {
            return null;
        }
        Tensor scale = runningVar.add((float) eps).sqrt();   // as forward computes it: the same bits
        return BatchNormOp.affineEpilogue(runningMean, scale, weight, bias, relu);
    }

    @SuppressWarnings("try") // the scope is used only for closing
    private void updateRunningStats(float[] mean, float[] biasedVar, int m) {
        float mom = (float) momentum;
        // Bessel's correction: the running variance estimates the population variance.
        float unbias = (float) m / (m - 1);
        try (GradMode.Scope ignored = Tensor.noGrad()) {
            runningMean.mulInPlace(1f - mom).addInPlace(Tensor.wrap(mean, 0, numFeatures), mom);
            runningVar.mulInPlace(1f - mom).addInPlace(Tensor.wrap(biasedVar, 0, numFeatures), mom * unbias);
            numBatchesTracked.addInPlace(1f);
        }
    }

    public int numFeatures() {
        return numFeatures;
    }

    /** γ, {@code [C]}, or null when not affine. */
    public Tensor weight() {
        return weight;
    }

    /** β, {@code [C]}, or null when not affine. */
    public Tensor bias() {
        return bias;
    }

    /** The running mean, {@code [C]}, or null when running statistics are not tracked. */
    public Tensor runningMean() {
        return runningMean;
    }

    /** The running (unbiased) variance, {@code [C]}, or null. */
    public Tensor runningVar() {
        return runningVar;
    }

    /** How many training batches updated the running statistics, or -1 when they are not tracked. */
    public long numBatchesTracked() {
        return numBatchesTracked == null ? -1 : (long) numBatchesTracked.item();
    }

    @Override
    protected String extraRepr() {
        return numFeatures + ", eps=" + eps + ", momentum=" + momentum + ", affine=" + (weight != null)
                + ", track_running_stats=" + (runningMean != null);
    }
}
