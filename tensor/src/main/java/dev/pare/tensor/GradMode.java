package dev.pare.tensor;

/**
 * Whether operations record themselves for autograd, per thread.
 *
 * <p>Recording costs memory (every op keeps its inputs alive for the backward pass), so code
 * that will never call {@code backward()} (evaluation, optimizer updates, the backward pass
 * itself) turns it off:
 *
 * <pre>{@code
 * try (var scope = Tensor.noGrad()) {
 *     Tensor logits = model.forward(x);   // no graph is built
 * }
 * }</pre>
 *
 * Scopes nest; recording resumes when the outermost one closes.
 */
public final class GradMode {
    private static final ThreadLocal<int[]> DISABLED_DEPTH = ThreadLocal.withInitial(() -> new int[1]);

    private GradMode() {}

    /** True when new operations on this thread record a graph node. */
    public static boolean isEnabled() {
        return DISABLED_DEPTH.get()[0] == 0;
    }

    /** Turns recording off on this thread until the returned scope is closed. */
    public static Scope disable() {
        int[] depth = DISABLED_DEPTH.get();
        depth[0]++;
        return new Scope(depth);
    }

    /** An open no-grad region; closing it twice is harmless. */
    public static final class Scope implements AutoCloseable {
        private final int[] depth;
        private boolean closed;

        private Scope(int[] depth) {
            this.depth = depth;
        }

        @Override
        public void close() {
            if (!closed) {
                closed = true;
                depth[0]--;
            }
        }
    }
}
