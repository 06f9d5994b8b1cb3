/**
 * Checkpoints on disk in the <a href="https://github.com/huggingface/safetensors">safetensors</a>
 * format, so that a model trained with Pare can be opened by PyTorch and the other way round.
 *
 * <h2>The format, in one picture</h2>
 * <pre>
 * ┌──────────────┬──────────────────────────────┬──────────────────────────────────┐
 * │ N (8 bytes,  │ N bytes of UTF-8 JSON:       │ data buffer: every tensor's raw  │
 * │ little-end.) │ {"__metadata__": {..},       │ little-endian bytes, back to     │
 * │              │  "w": {"dtype": "F32",       │ back, at the offsets the header  │
 * │              │   "shape": [2, 3],           │ names (relative to the buffer's  │
 * │              │   "data_offsets": [0, 24]}}  │ start)                           │
 * └──────────────┴──────────────────────────────┴──────────────────────────────────┘
 * </pre>
 *
 * <h2>Where to start reading</h2>
 * {@link dev.pare.nn.io.SafeTensors} holds the whole public API: {@code save}/{@code load} for a
 * plain state dict ({@code Map<String, Tensor>}, as {@code Module.stateDict()} returns) and
 * {@code write}/{@code read} for a {@link dev.pare.nn.io.Checkpoint}, whose
 * {@link dev.pare.nn.io.TensorEntry entries} may also be integer arrays (quantized weights,
 * PyTorch's int64 counters). Every common safetensors {@link dev.pare.nn.io.DType dtype} is
 * read: F16, BF16 and F64 become float32 tensors, and a state dict can be written in F16 or
 * BF16 to halve the file. Checkpoints whose key names differ from the module's load through a
 * {@link dev.pare.nn.KeyMap}. {@link dev.pare.nn.io.SafeTensorsHeader} is where a file is judged before it is
 * trusted, and {@link dev.pare.nn.io.AtomicFiles} is how a save avoids destroying the last
 * good checkpoint.
 *
 * <h2>Guarantees</h2>
 * <ul>
 *   <li>Writes are atomic: a temporary file in the same directory is written, forced to disk and
 *       renamed over the target, so a crash leaves either the old or the new file, never half
 *       of one. {@code AtomicSaveKillTest} kills writers with SIGKILL in the middle of saves
 *       to show it; a save also removes the temporary files that dead writers left.</li>
 *   <li>Reads trust nothing: every size the header claims is checked against the file's length
 *       before an array is allocated, so a corrupt or hostile file costs at most its own size in
 *       memory and ends in a {@link dev.pare.nn.io.SafeTensorsFormatException} naming the file and
 *       the problem.</li>
 *   <li>Damage is detected: Pare writes a fletcher-4 per tensor (ZFS's checksum; a CRC32C on
 *       request) and checks it as the tensor is read ({@code ChunkReader}: either sum on a
 *       second thread that follows the loading one, fletcher-4 from the arrays just filled and
 *       CRC32C from the file, or on the loading thread itself when it runs alone), so a changed
 *       byte is a
 *       {@link dev.pare.nn.io.SafeTensorsChecksumException} naming the tensor, never a silently
 *       different model.</li>
 *   <li>Order is kept: entries come back in the order they were saved.</li>
 * </ul>
 */
package dev.pare.nn.io;
