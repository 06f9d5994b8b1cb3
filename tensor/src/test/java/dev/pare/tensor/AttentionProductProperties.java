package dev.pare.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * The batched products of attention on head views: {@code [B, T, E]} viewed as {@code [B, H, T, d]}
 * (a view and a transpose, rows E apart) and its transpose {@code [B, H, d, S]}. matmul reads
 * these strided matrices in place; the law is that it gives what it gives on row-major copies of
 * the same values, forward and backward, so the views change nothing but the copying.
 */
class AttentionProductProperties {

    private static Tensor heads(Tensor x, int b, int len, int h, int d) {
        return x.view(b, len, h, d).transpose(1, 2);
    }

    @Property(tries = 40)
    void headViewsMultiplyLikeTheirContiguousCopies(@ForAll @IntRange(min = 1, max = 3) int b,
                                                    @ForAll @IntRange(min = 1, max = 4) int h,
                                                    @ForAll @IntRange(min = 1, max = 9) int d,
                                                    @ForAll @IntRange(min = 1, max = 11) int t,
                                                    @ForAll @IntRange(min = 1, max = 11) int s,
                                                    @ForAll long seed) {
        Rng rng = new Rng(seed);
        int e = h * d;
        Tensor q = Tensor.randn(rng, b, t, e).requiresGrad(true);
        Tensor k = Tensor.randn(rng, b, s, e).requiresGrad(true);
        Tensor v = Tensor.randn(rng, b, s, e).requiresGrad(true);
        Tensor g = Tensor.randn(rng, b, h, t, d);

        Tensor viewed = heads(q, b, t, h, d).matmul(heads(k, b, s, h, d).transpose(-1, -2)).softmax(-1)
                .matmul(heads(v, b, s, h, d));
        viewed.backward(g);

        Tensor qc = heads(q, b, t, h, d).detach().contiguous().requiresGrad(true);
        Tensor kc = heads(k, b, s, h, d).detach().contiguous().requiresGrad(true);
        Tensor vc = heads(v, b, s, h, d).detach().contiguous().requiresGrad(true);
        Tensor copied = qc.matmul(kc.transpose(-1, -2).contiguous()).softmax(-1).matmul(vc);
        copied.backward(g);

        String where = "B=" + b + " H=" + h + " d=" + d + " T=" + t + " S=" + s;
        assertArrayEquals(copied.toArray(), viewed.toArray(), 1e-5f, "output, " + where);
        assertArrayEquals(qc.grad().transpose(1, 2).reshape(b, t, e).toArray(), q.grad().toArray(), 1e-5f, "dQ, " + where);
        assertArrayEquals(kc.grad().transpose(1, 2).reshape(b, s, e).toArray(), k.grad().toArray(), 1e-5f, "dK, " + where);
        assertArrayEquals(vc.grad().transpose(1, 2).reshape(b, s, e).toArray(), v.grad().toArray(), 1e-5f, "dV, " + where);
    }
}
