package dev.pare.tensor;

import static org.junit.jupiter.api.Assertions.fail;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Random (often invalid) arguments to shape-taking operations either succeed or fail with an
 * IllegalArgumentException naming the operation: never an index error from inside a kernel.
 */
class NoSurpriseExceptionsProperties {

    @Provide
    Arbitrary<int[]> shapes() {
        return Arbitraries.integers().between(0, 4).array(int[].class).ofMinSize(0).ofMaxSize(4);
    }

    @Provide
    Arbitrary<int[]> args() {
        return Arbitraries.integers().between(-6, 6).array(int[].class).ofMinSize(0).ofMaxSize(4);
    }

    private static void onlyIllegalArgument(String op, Runnable call) {
        try {
            call.run();
        } catch (IllegalArgumentException e) {
            if (e.getMessage() == null || e.getMessage().isBlank()) {
                fail(op + ": IllegalArgumentException without a message");
            }
        } catch (RuntimeException e) {
            fail(op + " threw " + e, e);
        }
    }

    @Property(tries = 300)
    void shapeOperationsFailOnlyWithIllegalArgument(@ForAll("shapes") int[] a, @ForAll("shapes") int[] b,
                                                    @ForAll("args") int[] args) {
        Tensor x = Tensor.zeros(a);
        Tensor y = Tensor.ones(b);
        int i0 = args.length > 0 ? args[0] : 0;
        int i1 = args.length > 1 ? args[1] : 1;
        int i2 = args.length > 2 ? args[2] : 2;
        onlyIllegalArgument("add", () -> x.add(y));
        onlyIllegalArgument("matmul", () -> x.matmul(y));
        onlyIllegalArgument("reshape", () -> x.reshape(args));
        onlyIllegalArgument("view", () -> x.t().view(args));
        onlyIllegalArgument("expand", () -> x.expand(args));
        onlyIllegalArgument("permute", () -> x.permute(args));
        onlyIllegalArgument("transpose", () -> x.transpose(i0, i1));
        onlyIllegalArgument("narrow", () -> x.narrow(i0, i1, i2));
        onlyIllegalArgument("slice", () -> x.slice(i0, i1, i2, Math.max(1, Math.abs(i0))));
        onlyIllegalArgument("select", () -> x.select(i0, i1));
        onlyIllegalArgument("sum", () -> x.sum(args, true));
        onlyIllegalArgument("max", () -> x.max(i0, false));
        onlyIllegalArgument("argmax", () -> x.argmax(i0));
        onlyIllegalArgument("softmax", () -> x.softmax(i0));
        onlyIllegalArgument("unsqueeze", () -> x.unsqueeze(i0));
        onlyIllegalArgument("squeeze", () -> x.squeeze(i0));
        onlyIllegalArgument("flatten", () -> x.flatten(i0, i1));
        onlyIllegalArgument("cat", () -> Tensor.cat(i0, x, y));
        onlyIllegalArgument("gather", () -> x.gather(i0, y));
        onlyIllegalArgument("indexSelect", () -> x.indexSelect(i0, args));
        onlyIllegalArgument("copyFrom", () -> x.copyFrom(y));
        onlyIllegalArgument("get", () -> x.get(args));
    }
}
