package dev.pare.samples;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine;

/** Runs a sample command in this JVM and captures its exit code, standard output and error text. */
final class CommandRun {
    private CommandRun() {}

    /** {exit code, stdout, stderr} of {@code command} run with {@code args}. */
    static String[] run(Object command, String... args) {
        PrintStream out = System.out;
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        StringWriter err = new StringWriter();
        int code;
        try {
            System.setOut(new PrintStream(buffer, true, StandardCharsets.UTF_8));
            CommandLine cl = new CommandLine(command);
            cl.setErr(new PrintWriter(err));
            code = cl.execute(args);
        } finally {
            System.setOut(out);
        }
        return new String[] {Integer.toString(code), buffer.toString(StandardCharsets.UTF_8), err.toString()};
    }
}
