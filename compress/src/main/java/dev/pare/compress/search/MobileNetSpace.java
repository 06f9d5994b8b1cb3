package dev.pare.compress.search;

import dev.pare.tensor.Rng;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * MobileNetV2-style inverted-residual networks for Fashion-MNIST (MnasNet's factorised space,
 * made small): a stem width, then three stages that each choose
 * <ul>
 *   <li>an expansion ratio t ∈ {1, 3, 6},</li>
 *   <li>a depthwise kernel size k ∈ {3, 5},</li>
 *   <li>a number of blocks n ∈ {1, 2, 3},</li>
 *   <li>a width multiplier w ∈ {0.5, 0.75, 1.0, 1.5} of the stage's 16, 24 or 40 channels;</li>
 * </ul>
 * and a stem of 8, 16 or 24 channels. That is 3 · (3·2·3·4)³ = 1,119,744 architectures (see
 * {@link MobileNetArchitecture}), around the hand-designed MobileNet of the samples: the widths
 * and channels are kept small because every candidate is trained on two cores, and a space whose
 * typical point costs ten times the baseline would spend the budget on a few evaluations.
 *
 * <p>Why per stage and not per block: a choice per block would multiply the space by itself for
 * every block, and the blocks of one stage see the same resolution, so they tend to want the
 * same settings (Tan et al., 2019). The encoding is {@code mbv2:s16|e6k3n2w1.0|e3k5n1w0.75|e1k3n3w1.5}.
 */
public final class MobileNetSpace implements SearchSpace {
    static final int[] STEMS = {8, 16, 24};
    static final int[] EXPANSIONS = {1, 3, 6};
    static final int[] KERNELS = {3, 5};
    static final int[] BLOCKS = {1, 2, 3};
    static final double[] WIDTHS = {0.5, 0.75, 1.0, 1.5};
    static final int STAGES = 3;
    /** The stem and the four choices of each stage. */
    private static final int CHOICES = 1 + 4 * STAGES;

    private static final Pattern STEM = Pattern.compile("s([0-9]+)");
    private static final Pattern STAGE = Pattern.compile("e([0-9]+)k([0-9]+)n([0-9]+)w([0-9]+(?:\\.[0-9]+)?)");

    @Override
    public String name() {
        return "mbv2";
    }

    /** The stem sizes the space chooses from, ascending. */
    public static int[] stems() {
        return STEMS.clone();
    }

    /** The width multipliers the space chooses from, ascending. */
    public static double[] widths() {
        return WIDTHS.clone();
    }

    @Override
    public MobileNetArchitecture decode(String encoding) {
        if (encoding == null || !encoding.startsWith("mbv2:")) {
            throw bad(encoding, "it must start with \"mbv2:\"");
        }
        String[] parts = encoding.substring("mbv2:".length()).split("\\|", -1);
        if (parts.length != 1 + STAGES) {
            throw bad(encoding, "expected a stem and " + STAGES + " stages separated by '|', found " + parts.length + " parts");
        }
        Matcher stem = STEM.matcher(parts[0]);
        if (!stem.matches()) {
            throw bad(encoding, "the stem \"" + parts[0] + "\" is not of the form s16");
        }
        int s = choice(encoding, "stem channels", parseInt(encoding, stem.group(1)), STEMS);
        List<MobileNetArchitecture.Stage> stages = new ArrayList<>();
        for (int i = 1; i <= STAGES; i++) {
            Matcher m = STAGE.matcher(parts[i]);
            if (!m.matches()) {
                throw bad(encoding, "stage " + i + " \"" + parts[i] + "\" is not of the form e6k3n2w1.0");
            }
            int e = choice(encoding, "stage " + i + " expansion", parseInt(encoding, m.group(1)), EXPANSIONS);
            int k = choice(encoding, "stage " + i + " kernel", parseInt(encoding, m.group(2)), KERNELS);
            int n = choice(encoding, "stage " + i + " blocks", parseInt(encoding, m.group(3)), BLOCKS);
            double w = Double.parseDouble(m.group(4));
            if (Arrays.stream(WIDTHS).noneMatch(x -> x == w)) {
                throw bad(encoding, "stage " + i + " width " + m.group(4) + " is not one of " + Arrays.toString(WIDTHS));
            }
            stages.add(new MobileNetArchitecture.Stage(e, k, n, w));
        }
        return new MobileNetArchitecture(s, stages);
    }

    private static int parseInt(String encoding, String digits) {
        try {
            return Integer.parseInt(digits);
        } catch (NumberFormatException e) {
            throw bad(encoding, "the number " + digits + " is too large");
        }
    }

    private static int choice(String encoding, String what, int value, int[] allowed) {
        if (Arrays.stream(allowed).noneMatch(x -> x == value)) {
            throw bad(encoding, what + " " + value + " is not one of " + Arrays.toString(allowed));
        }
        return value;
    }

    private static IllegalArgumentException bad(String encoding, String why) {
        return new IllegalArgumentException("mbv2 decode \"" + encoding + "\": " + why);
    }

    @Override
    public MobileNetArchitecture sample(Rng rng) {
        int stem = STEMS[rng.nextInt(STEMS.length)];
        List<MobileNetArchitecture.Stage> stages = new ArrayList<>();
        for (int i = 0; i < STAGES; i++) {
            stages.add(new MobileNetArchitecture.Stage(EXPANSIONS[rng.nextInt(EXPANSIONS.length)],
                    KERNELS[rng.nextInt(KERNELS.length)], BLOCKS[rng.nextInt(BLOCKS.length)],
                    WIDTHS[rng.nextInt(WIDTHS.length)]));
        }
        return new MobileNetArchitecture(stem, stages);
    }

    @Override
    public MobileNetArchitecture mutate(Architecture parent, Rng rng) {
        if (!(parent instanceof MobileNetArchitecture p)) {
            throw new IllegalArgumentException("mbv2 mutate: " + parent.encode() + " is not an mbv2 architecture");
        }
        int which = rng.nextInt(CHOICES);
        if (which == 0) {
            return new MobileNetArchitecture(other(STEMS, p.stem(), rng), p.stages());
        }
        int stage = (which - 1) / 4;
        MobileNetArchitecture.Stage s = p.stages().get(stage);
        MobileNetArchitecture.Stage changed = switch ((which - 1) % 4) {
            case 0 -> new MobileNetArchitecture.Stage(other(EXPANSIONS, s.expansion(), rng), s.kernel(), s.blocks(), s.width());
            case 1 -> new MobileNetArchitecture.Stage(s.expansion(), other(KERNELS, s.kernel(), rng), s.blocks(), s.width());
            case 2 -> new MobileNetArchitecture.Stage(s.expansion(), s.kernel(), other(BLOCKS, s.blocks(), rng), s.width());
            default -> new MobileNetArchitecture.Stage(s.expansion(), s.kernel(), s.blocks(), otherWidth(s.width(), rng));
        };
        List<MobileNetArchitecture.Stage> stages = new ArrayList<>(p.stages());
        stages.set(stage, changed);
        return new MobileNetArchitecture(p.stem(), stages);
    }

    /** A value of {@code values} other than {@code current}, uniformly. */
    static int other(int[] values, int current, Rng rng) {
        int[] rest = Arrays.stream(values).filter(v -> v != current).toArray();
        return rest[rng.nextInt(rest.length)];
    }

    private static double otherWidth(double current, Rng rng) {
        double[] rest = Arrays.stream(WIDTHS).filter(v -> v != current).toArray();
        return rest[rng.nextInt(rest.length)];
    }

    @Override
    public String toString() {
        return name();
    }
}
