package dev.pare.samples;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The entry point of the runnable samples: {@code ./pare <command> [options]}.
 * Each command is also a class with its own {@code main}, short enough to read top to bottom.
 */
@Command(name = "pare", mixinStandardHelpOptions = true, version = "Pare 0.1.0",
        description = "Train and compress models on Fashion-MNIST with Pare, a pure-Java tensor engine.",
        subcommands = {TrainMlp.class, TrainCnn.class, TrainVit.class, Distill.class, DistillVit.class, Prune.class, Quantize.class,
                Pipeline.class, Export.class, Search.class, Chart.class,
                CommandLine.HelpCommand.class})
public final class Pare implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(new CommandLine(new Pare()).execute(args));
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
