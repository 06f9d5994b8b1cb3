package dev.pare.nn.train;

import dev.pare.nn.io.Checkpoint;
import dev.pare.nn.io.DType;
import dev.pare.nn.io.SafeTensors;
import dev.pare.nn.io.TensorEntry;
import dev.pare.nn.optim.LrScheduler;
import dev.pare.nn.optim.Optimizer;
import dev.pare.tensor.Rng;
import dev.pare.tensor.Shape;
import dev.pare.tensor.Tensor;
import dev.pare.tensor.parallel.Parallel;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Everything a {@link Trainer} run needs to continue after being stopped, in one safetensors
 * file, so that the resumed run ends with the same bits as one that was never interrupted.
 *
 * <h2>What must be saved, and why each piece</h2>
 * A training step reads far more than the weights. Leave any of these out and the resumed run
 * drifts from the uninterrupted one, usually without an error:
 * <table>
 *   <caption>Contents</caption>
 *   <tr><th>entries / metadata</th><th>what</th><th>without it</th></tr>
 *   <tr><td>{@code model.*}</td><td>the model's state dict (parameters and buffers)</td>
 *       <td>batch norm forgets its running statistics</td></tr>
 *   <tr><td>{@code optimizer.*}</td><td>{@link Optimizer#stateDict()}: momentum buffers, Adam's
 *       moments and step counts, the learning rate</td>
 *       <td>momentum restarts from zero; Adam's bias correction restarts at t = 1</td></tr>
 *   <tr><td>{@code scheduler.step}, {@code scheduler.base_lr}</td><td>the schedule's position</td>
 *       <td>the learning rate jumps back to the start of the schedule</td></tr>
 *   <tr><td>{@code position.*}</td><td>epoch, batches done in it, the data pass it reads, global step</td>
 *       <td>batches are trained on twice or skipped</td></tr>
 *   <tr><td>{@code rng.*}</td><td>every generator drawn from while training (dropout masks;
 *       {@link Trainer.Builder#rng extra ones})</td><td>different dropout masks from then on</td></tr>
 *   <tr><td>{@code grads.allocated}</td><td>which parameters already had a gradient tensor</td>
 *       <td>see the trap below</td></tr>
 *   <tr><td>{@code metrics.*}</td><td>the finished epochs' statistics and the current epoch's
 *       running sums</td><td>the final report differs</td></tr>
 *   <tr><td>{@code config.*}, {@code run.*}</td><td>the trainer's settings and the caller's
 *       options (seed, batch size, …)</td><td>a resume with other options goes unnoticed</td></tr>
 * </table>
 * The data order needs no generator state: a {@link ResumableBatches} source draws each pass's
 * order from (seed, pass) alone, so the pass number and the batch index say where to go on.
 *
 * <p>Trap: a gradient tensor that already exists is added into ({@code grad + g}), a missing one
 * is created as a copy of g. The two differ in one bit: {@code 0 + (−0) = +0}, while the copy
 * keeps −0, and a −0 gradient can reach a weight. So a resumed run gives zero gradients to
 * exactly the parameters that had one when the checkpoint was taken.
 *
 * <p>The file is written atomically ({@link SafeTensors#write}), with a checksum: a kill during
 * a save leaves the previous checkpoint intact. Reading checks the format and the position;
 * {@link Trainer#resume} then checks the rest against the trainer (model keys and shapes,
 * optimizer type and hyper-parameters, schedule, options) and names every difference before it
 * changes anything.
 */
public final class TrainingCheckpoint {
    /** The value of metadata {@code format}; a file without it is not a training checkpoint. */
    public static final String FORMAT = "pare-training-checkpoint/1";

    /** The fields of one finished epoch's {@link EpochStats}, in the order of {@code metrics.history}'s rows. */
    private static final int STATS_FIELDS = 8;

    private final Checkpoint contents;
    private final String source;
    private final RunState run;

    private TrainingCheckpoint(Checkpoint contents, String source) {
        this.contents = contents;
        this.source = source;
        String format = contents.metadata().get("format");
        if (!FORMAT.equals(format)) {
            throw fail(format == null ? "no metadata 'format': a plain weights file, not a training checkpoint (write one"
                    + " with Trainer.Builder.checkpoint)" : "format '" + format + "', expected " + FORMAT);
        }
        this.run = parseRun();
    }

    /**
     * Reads and checks a checkpoint written by a {@link Trainer}.
     *
     * @throws IOException if the file cannot be read, or is no valid safetensors file
     * @throws IllegalArgumentException naming the file and what is missing or malformed
     */
    public static TrainingCheckpoint read(Path file) throws IOException {
        return new TrainingCheckpoint(SafeTensors.read(file), file.toString());
    }

    /** Writes the checkpoint atomically, replacing {@code file} only once the new one is complete. */
    public void write(Path file) throws IOException {
        SafeTensors.write(file, contents);
    }

    /** The whole file's contents (entries and metadata), e.g. to inspect; do not change it. */
    public Checkpoint contents() {
        return contents;
    }

    /** The epoch to continue, 1-based; one past the last epoch when the run had finished training. */
    public int epoch() {
        return run.epoch;
    }

    /** Batches of {@link #epoch()} already trained on; training continues with the next one. */
    public int batch() {
        return run.batch;
    }

    /** Optimizer steps taken by the run so far. */
    public long step() {
        return run.step;
    }

    /** The statistics of the epochs already finished, in order. */
    public List<EpochStats> history() {
        return Collections.unmodifiableList(run.history);
    }

    /**
     * The kernel thread count of the run that saved this checkpoint, or −1 if not recorded.
     * Bit-identical continuation needs the same count (a different one is allowed: the run then
     * goes on correctly, but not to the same bits).
     */
    public int threads() {
        String t = contents.metadata().get("threads");
        try {
            return t == null ? -1 : Integer.parseInt(t);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** The caller's options recorded with {@link Trainer.Builder#runInfo} (e.g. seed, batch size). */
    public Map<String, String> runInfo() {
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : contents.metadata().entrySet()) {
            if (e.getKey().startsWith("run.")) {
                out.put(e.getKey().substring(4), e.getValue());
            }
        }
        return out;
    }

    /**
     * Where the run stands, for a person: {@code epoch 3 of 10, after batch 17 of 47 (step 111)},
     * {@code the start of epoch 3 of 10 (step 94)}, or {@code the end of training (10 epochs, step 470)}.
     */
    public String position() {
        int epochs = Integer.parseInt(contents.metadata().get("config.epochs"));
        long perPass = Long.parseLong(contents.metadata().get("config.batches_per_pass"));
        if (run.epoch > epochs) {
            return "the end of training (" + epochs + (epochs == 1 ? " epoch" : " epochs") + ", step " + run.step + ")";
        }
        if (run.batch == 0) {
            return "the start of epoch " + run.epoch + " of " + epochs + " (step " + run.step + ")";
        }
        return "epoch " + run.epoch + " of " + epochs + ", after batch " + run.batch + (perPass > 0 ? " of " + perPass : "")
                + " (step " + run.step + ")";
    }

    @Override
    public String toString() {
        return "TrainingCheckpoint(" + source + ": " + position() + ")";
    }

    // ---------------------------------------------------------------- what the Trainer fills in and reads back

    /** The state of a {@link Trainer} run beyond its model, optimizer and generators. */
    static final class RunState {
        /** 1-based epoch in progress (or next to start). */
        int epoch = 1;
        /** Batches of that epoch done. */
        int batch;
        /** The data pass that epoch reads ({@link ResumableBatches}), −1 for another source. */
        int pass = -1;
        /** Optimizer steps of the run. */
        long step;
        /** The epoch's learning rate at its first step, and its running sums. */
        double epochLr = Double.NaN;
        double lossSum;
        long samples;
        long correct;
        long scored;
        /** Training seconds of the epoch so far, and wall seconds of the run before it. */
        double epochSeconds;
        double runSeconds;
        final List<EpochStats> history = new ArrayList<>();

        /** A copy that a run can advance without changing the checkpoint it came from. */
        RunState copy() {
            RunState c = new RunState();
            c.epoch = epoch;
            c.batch = batch;
            c.pass = pass;
            c.step = step;
            c.epochLr = epochLr;
            c.lossSum = lossSum;
            c.samples = samples;
            c.correct = correct;
            c.scored = scored;
            c.epochSeconds = epochSeconds;
            c.runSeconds = runSeconds;
            c.history.addAll(history);
            return c;
        }
    }

    /** A checkpoint of the given state, ready to {@link #write}. */
    static TrainingCheckpoint capture(RunState run, Map<String, String> config, Map<String, String> runInfo,
                                      Map<String, Tensor> model, Optimizer optimizer, LrScheduler scheduler,
                                      Map<String, Rng> rngs) {
        Checkpoint c = new Checkpoint();
        c.putMetadata("format", FORMAT);
        c.putMetadata("threads", Integer.toString(Parallel.threads()));
        config.forEach((k, v) -> c.putMetadata("config." + k, v));
        runInfo.forEach((k, v) -> c.putMetadata("run." + k, v));
        c.putMetadata("position.epoch", Integer.toString(run.epoch));
        c.putMetadata("position.batch", Integer.toString(run.batch));
        c.putMetadata("position.pass", Integer.toString(run.pass));
        c.putMetadata("position.step", Long.toString(run.step));
        // Doubles as Double.toString: the shortest text that parses back to the same bits.
        c.putMetadata("metrics.epoch_lr", Double.toString(run.epochLr));
        c.putMetadata("metrics.loss_sum", Double.toString(run.lossSum));
        c.putMetadata("metrics.samples", Long.toString(run.samples));
        c.putMetadata("metrics.correct", Long.toString(run.correct));
        c.putMetadata("metrics.scored", Long.toString(run.scored));
        c.putMetadata("metrics.epoch_seconds", Double.toString(run.epochSeconds));
        c.putMetadata("metrics.run_seconds", Double.toString(run.runSeconds));
        long[] history = new long[run.history.size() * STATS_FIELDS];
        for (int e = 0; e < run.history.size(); e++) {
            EpochStats s = run.history.get(e);
            double[] f = {s.epoch(), s.trainLoss(), s.trainAccuracy(), s.testLoss(), s.testAccuracy(), s.learningRate(),
                s.seconds(), s.samplesPerSecond()};
            for (int i = 0; i < STATS_FIELDS; i++) {
                history[e * STATS_FIELDS + i] = Double.doubleToRawLongBits(f[i]);
            }
        }
        c.put("metrics.history", TensorEntry.ofLongs(history, run.history.size(), STATS_FIELDS));

        Checkpoint.of(model).entries().forEach((k, v) -> c.put("model." + k, v));
        Checkpoint opt = optimizer.stateDict();
        opt.entries().forEach((k, v) -> c.put("optimizer." + k, v));
        opt.metadata().forEach((k, v) -> c.putMetadata("optimizer." + k, v));
        List<Tensor> params = optimizer.parameters();
        byte[] allocated = new byte[params.size()];
        for (int i = 0; i < allocated.length; i++) {
            allocated[i] = (byte) (params.get(i).grad() != null ? 1 : 0);
        }
        c.put("grads.allocated", TensorEntry.ofBytes(DType.BOOL, allocated, allocated.length));
        if (scheduler != null) {
            c.putMetadata("scheduler.step", Long.toString(scheduler.stepCount()));
            c.putMetadata("scheduler.base_lr", Double.toString(scheduler.baseLr()));
        }
        for (Map.Entry<String, Rng> r : rngs.entrySet()) {
            c.put("rng." + r.getKey(), TensorEntry.ofLongs(r.getValue().saveState(), 3));
        }
        return new TrainingCheckpoint(c, "(in memory)");
    }

    /** The run's position and metrics, as saved (a copy). */
    RunState run() {
        return run.copy();
    }

    /**
     * Checks everything against the trainer's configuration and state, then restores the model,
     * optimizer, scheduler, generators and gradients; nothing is changed if a check fails.
     *
     * @throws IllegalArgumentException naming this checkpoint and every difference found
     */
    @SuppressWarnings("try") // the scope is used only for its close()
    void restore(Map<String, String> config, Map<String, String> runInfo, Map<String, Tensor> model,
                 Optimizer optimizer, LrScheduler scheduler, Map<String, Rng> rngs) {
        List<String> problems = new ArrayList<>();
        Map<String, String> meta = contents.metadata();
        compare(problems, "config.", config, "trainer setting");
        compare(problems, "run.", runInfo, "option");

        // The model: the same keys and shapes.
        Map<String, Tensor> saved = new LinkedHashMap<>();
        Checkpoint modelPart = new Checkpoint();
        for (Map.Entry<String, TensorEntry> e : contents.entries().entrySet()) {
            if (e.getKey().startsWith("model.")) {
                modelPart.put(e.getKey().substring(6), e.getValue());
            }
        }
        try {
            saved = modelPart.toStateDict();
        } catch (IllegalStateException e) {
            problems.add("model: " + e.getMessage());
        }
        for (Map.Entry<String, Tensor> e : model.entrySet()) {
            Tensor s = saved.get(e.getKey());
            if (s == null) {
                problems.add("model: tensor '" + e.getKey() + "' " + Shape.str(e.getValue().shape()) + " is missing");
            } else if (!Arrays.equals(s.shape(), e.getValue().shape())) {
                problems.add("model: tensor '" + e.getKey() + "' is " + Shape.str(s.shape()) + " in the checkpoint, "
                        + Shape.str(e.getValue().shape()) + " in the model");
            }
        }
        for (String k : saved.keySet()) {
            if (!model.containsKey(k)) {
                problems.add("model: the checkpoint has tensor '" + k + "', which the model does not");
            }
        }

        // The scheduler: present in both or neither, and at the same learning rate.
        String schedStep = meta.get("scheduler.step");
        long t = -1;
        double base = Double.NaN;
        if ((schedStep != null) != (scheduler != null)) {
            problems.add("scheduler: the saved run had " + (schedStep != null ? "one" : "none") + ", this trainer has "
                    + (scheduler != null ? "one" : "none"));
        } else if (scheduler != null) {
            t = parseLong("scheduler.step");
            base = parseDouble("scheduler.base_lr");
            double savedLr = parseDouble("optimizer.lr");
            if (Double.compare(base, scheduler.baseLr()) != 0) {
                problems.add("scheduler: base learning rate " + base + " in the saved run, " + scheduler.baseLr() + " now");
            } else if (Double.compare(scheduler.lrAt(t), savedLr) != 0) {
                problems.add("scheduler: at step " + t + " this schedule gives learning rate " + scheduler.lrAt(t)
                        + ", the saved run had " + savedLr + " (another schedule length or shape)");
            }
        }

        // The generators: the same names.
        Set<String> savedRngs = new LinkedHashSet<>();
        for (String k : contents.entries().keySet()) {
            if (k.startsWith("rng.")) {
                savedRngs.add(k.substring(4));
            }
        }
        if (!savedRngs.equals(rngs.keySet())) {
            problems.add("generators: the saved run had " + savedRngs + ", this one has " + rngs.keySet()
                    + " (a different model or augmentation)");
        }
        TensorEntry allocated = contents.entries().get("grads.allocated");
        if (allocated == null || allocated.dtype() != DType.BOOL || allocated.numel() != optimizer.parameters().size()) {
            problems.add("grads.allocated: expected BOOL[" + optimizer.parameters().size() + "], found "
                    + (allocated == null ? "nothing" : allocated.toString()));
        }
        if (!problems.isEmpty()) {
            throw fail("it cannot continue this run:\n  " + String.join("\n  ", problems));
        }

        // The optimizer checks its own part before changing anything; it is the last check.
        Checkpoint opt = new Checkpoint();
        contents.entries().forEach((k, v) -> {
            if (k.startsWith("optimizer.")) {
                opt.put(k.substring(10), v);
            }
        });
        meta.forEach((k, v) -> {
            if (k.startsWith("optimizer.")) {
                opt.putMetadata(k.substring(10), v);
            }
        });
        List<long[]> states = new ArrayList<>();
        for (String name : rngs.keySet()) {
            TensorEntry e = contents.entries().get("rng." + name);
            if (e.dtype() != DType.I64 || e.numel() != 3 || e.longs()[0] == 0 && e.longs()[1] == 0) {
                // Checked here, not by restoreState, so that a bad one is found before anything changes.
                throw fail("generator '" + name + "' is " + e + (e.dtype() == DType.I64 && e.numel() == 3
                        ? " with all-zero xoshiro words, a state no generator reaches" : ", expected I64[3]"));
            }
            states.add(e.longs());
        }
        try {
            optimizer.loadStateDict(opt);
        } catch (IllegalArgumentException e) {
            throw fail("optimizer: " + e.getMessage(), e);
        }

        try (var ignored = Tensor.noGrad()) {
            for (Map.Entry<String, Tensor> e : model.entrySet()) {
                e.getValue().copyFrom(saved.get(e.getKey()));
            }
        }
        if (scheduler != null) {
            scheduler.resumeAt(t, base);
        }
        int i = 0;
        for (Rng r : rngs.values()) {
            r.restoreState(states.get(i++));
        }
        byte[] had = allocated.bytes();
        List<Tensor> params = optimizer.parameters();
        for (int p = 0; p < had.length; p++) {
            params.get(p).setGrad(had[p] != 0 ? Tensor.zeros(params.get(p).shape()) : null);
        }
    }

    private void compare(List<String> problems, String prefix, Map<String, String> now, String what) {
        Map<String, String> then = new LinkedHashMap<>();
        contents.metadata().forEach((k, v) -> {
            if (k.startsWith(prefix)) {
                then.put(k.substring(prefix.length()), v);
            }
        });
        Set<String> keys = new LinkedHashSet<>(then.keySet());
        keys.addAll(now.keySet());
        for (String k : keys) {
            String a = then.get(k);
            String b = now.get(k);
            if (a == null || !a.equals(b)) {
                problems.add(what + " " + k + ": " + (a == null ? "not recorded" : a) + " in the saved run, "
                        + (b == null ? "not given" : b) + " now");
            }
        }
    }

    private RunState parseRun() {
        RunState r = new RunState();
        r.epoch = (int) parseLong("position.epoch");
        r.batch = (int) parseLong("position.batch");
        r.pass = (int) parseLong("position.pass");
        r.step = parseLong("position.step");
        if (r.epoch < 1 || r.batch < 0 || r.pass < -1 || r.step < 0) {
            throw fail("position epoch " + r.epoch + ", batch " + r.batch + ", pass " + r.pass + ", step " + r.step
                    + " is impossible");
        }
        parseLong("config.epochs");
        parseLong("config.batches_per_pass");
        r.epochLr = parseDouble("metrics.epoch_lr");
        r.lossSum = parseDouble("metrics.loss_sum");
        r.samples = parseLong("metrics.samples");
        r.correct = parseLong("metrics.correct");
        r.scored = parseLong("metrics.scored");
        r.epochSeconds = parseDouble("metrics.epoch_seconds");
        r.runSeconds = parseDouble("metrics.run_seconds");
        TensorEntry h = contents.entries().get("metrics.history");
        int[] shape = h == null ? null : h.shape();
        if (h == null || h.dtype() != DType.I64 || shape.length != 2 || shape[1] != STATS_FIELDS
                || shape[0] != r.epoch - 1) {
            throw fail("entry metrics.history is " + (h == null ? "missing" : h.toString()) + ", expected I64["
                    + (r.epoch - 1) + ", " + STATS_FIELDS + "] (one row per finished epoch)");
        }
        long[] bits = h.longs();
        for (int e = 0; e < shape[0]; e++) {
            double[] f = new double[STATS_FIELDS];
            for (int i = 0; i < STATS_FIELDS; i++) {
                f[i] = Double.longBitsToDouble(bits[e * STATS_FIELDS + i]);
            }
            r.history.add(new EpochStats((int) f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7]));
        }
        return r;
    }

    private String required(String key) {
        String v = contents.metadata().get(key);
        if (v == null) {
            throw fail("metadata '" + key + "' is missing");
        }
        return v;
    }

    private long parseLong(String key) {
        String v = required(key);
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw fail("metadata '" + key + "' is '" + v + "', not an integer", e);
        }
    }

    private double parseDouble(String key) {
        String v = required(key);
        try {
            return Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw fail("metadata '" + key + "' is '" + v + "', not a number", e);
        }
    }

    private IllegalArgumentException fail(String message) {
        return fail(message, null);
    }

    private IllegalArgumentException fail(String message, Throwable cause) {
        return new IllegalArgumentException(String.format(Locale.ROOT, "training checkpoint %s: %s", source, message),
                cause);
    }
}
