package dev.pare.tensor;

/**
 * One recorded operation in the autograd graph: which op made a tensor, from which inputs, and
 * how to send a gradient back to them.
 *
 * <p>The graph is built as the forward pass runs ("define-by-run"): every differentiable op
 * whose inputs require a gradient attaches a {@code Node} to its output. {@link Autograd} later
 * walks these nodes backwards.
 */
final class Node {
    final String op;
    final Tensor[] inputs;
    final BackwardFn backward;

    Node(String op, Tensor[] inputs, BackwardFn backward) {
        this.op = op;
        this.inputs = inputs;
        this.backward = backward;
    }
}
