package dev.pare.compress.distill;

import dev.pare.nn.Conv2d;
import dev.pare.nn.Linear;
import dev.pare.nn.Module;
import dev.pare.nn.loss.MseLoss;
import dev.pare.tensor.Rng;
import dev.pare.tensor.Tensor;
import java.util.Arrays;

/**
 * Intermediate-feature ("hint") distillation, after FitNets (Romero et al., 2015): besides its
 * outputs, the student learns to predict one of the teacher's hidden representations.
 *
 * <p>The student's layer is usually narrower than the teacher's, so it is mapped through a
 * learned projection r (the "regressor"): a {@link Linear} for flat features [B, d_s] → [B, d_t],
 * or a 1×1 {@link Conv2d} for feature maps [B, c_s, H, W] → [B, c_t, H, W]. With student feature
 * f_s and teacher feature f_t (a constant: the teacher is frozen):
 * <pre>
 *   L_hint = β · mean((r(f_s) − f_t)²)
 * </pre>
 * The gradient reaches both r and, through f_s, every student layer up to the tapped one: the hint
 * shapes the student's inside, where the logit loss only constrains its outputs. The projection
 * is thrown away after training; its parameters must be in the optimizer, or it never learns
 * (the {@link Distiller} checks).
 *
 * <p>Added to the {@link DistillationLoss}: L = α·T²·KL + (1−α)·CE + L_hint. FitNets used it as a
 * first stage on its own; using both at once, with a small β, is the common variant today.
 */
public final class HintLoss {
    private final int teacherLayer;
    private final int studentLayer;
    private final Module projection;
    private final float weight;

    /**
     * @param teacherLayer index of the teacher {@code Sequential}'s layer whose output is the target
     * @param studentLayer index of the student {@code Sequential}'s layer whose output is projected
     * @param projection   r, mapping the student feature to the teacher feature's shape
     * @param weight       β ≥ 0
     */
    public HintLoss(int teacherLayer, int studentLayer, Module projection, float weight) {
        if (projection == null) {
            throw new IllegalArgumentException("HintLoss: projection is null");
        }
        if (!(weight >= 0f) || Float.isInfinite(weight)) {
            throw new IllegalArgumentException("HintLoss: weight beta = " + weight + " must be finite and >= 0");
        }
        if (teacherLayer < 0 || studentLayer < 0) {
            throw new IllegalArgumentException("HintLoss: layer indices must be >= 0, got teacher " + teacherLayer
                    + " and student " + studentLayer);
        }
        this.teacherLayer = teacherLayer;
        this.studentLayer = studentLayer;
        this.projection = projection;
        this.weight = weight;
    }

    /** A linear projection for flat features, d_s → d_t. */
    public static Linear linearProjection(int studentFeatures, int teacherFeatures, Rng rng) {
        return new Linear(studentFeatures, teacherFeatures, rng);
    }

    /** A 1×1 convolution for feature maps of the same height and width, c_s → c_t channels. */
    public static Conv2d convProjection(int studentChannels, int teacherChannels, Rng rng) {
        return new Conv2d(studentChannels, teacherChannels, 1, rng);
    }

    /** β · mean((r(f_s) − f_t)²). */
    public Tensor apply(Tensor studentFeature, Tensor teacherFeature) {
        Tensor projected = projection.forward(studentFeature);
        if (!Arrays.equals(projected.shape(), teacherFeature.shape())) {
            throw new IllegalArgumentException("HintLoss: the projected student feature " + Arrays.toString(projected.shape())
                    + " (from " + Arrays.toString(studentFeature.shape()) + ") does not match the teacher feature "
                    + Arrays.toString(teacherFeature.shape()));
        }
        return MseLoss.mseLoss(projected, teacherFeature.detach()).mul(weight);
    }

    public int teacherLayer() {
        return teacherLayer;
    }

    public int studentLayer() {
        return studentLayer;
    }

    public Module projection() {
        return projection;
    }

    public float weight() {
        return weight;
    }
}
