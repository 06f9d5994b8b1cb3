package dev.pare.compress.prune;

/**
 * How a {@link SparseLinear} stores its weight.
 *
 * <ul>
 *   <li>{@link #CSR}: one entry per non-zero, 4 bytes of value and a 2-byte column index (4-byte
 *       above 32,768 inputs). For unstructured pruning; fast at batch &gt; 1 (batch-minor).</li>
 *   <li>{@link #BLOCK_8}, {@link #BLOCK_16}: one entry per kept 1×8 or 1×16 block, B values and
 *       one 4-byte column start. For {@link BlockPruner}'s output; fast at batch 1 too.</li>
 * </ul>
 */
public enum SparseFormat {
    /** Compressed sparse rows, one index per non-zero. */
    CSR(1, "csr"),
    /** Block-CSR with 1×8 blocks. */
    BLOCK_8(8, "bcsr8"),
    /** Block-CSR with 1×16 blocks. */
    BLOCK_16(16, "bcsr16");

    private final int blockWidth;
    private final String fileName;

    SparseFormat(int blockWidth, String fileName) {
        this.blockWidth = blockWidth;
        this.fileName = fileName;
    }

    /** 1 for CSR, else B. */
    public int blockWidth() {
        return blockWidth;
    }

    /** The name written in a checkpoint's metadata: {@code csr}, {@code bcsr8}, {@code bcsr16}. */
    public String fileName() {
        return fileName;
    }

    /** The format called {@code name} in a checkpoint's metadata. */
    public static SparseFormat fromFileName(String name) {
        for (SparseFormat f : values()) {
            if (f.fileName.equals(name)) {
                return f;
            }
        }
        throw new IllegalArgumentException("unknown sparse format \"" + name + "\" (known: csr, bcsr8, bcsr16)");
    }
}
