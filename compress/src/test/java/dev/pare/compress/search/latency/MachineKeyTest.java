package dev.pare.compress.search.latency;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pare.tensor.kernels.VectorConfig;
import java.util.List;
import org.junit.jupiter.api.Test;

class MachineKeyTest {

    @Test
    void theModelNameIsReadFromProcCpuinfoAndLscpuStyleLines() {
        List<String> cpuinfo = List.of("processor\t: 0", "vendor_id\t: GenuineIntel", "cpu family\t: 6",
                "model\t\t: 106", "model name\t: Intel(R) Xeon(R)   Platinum 8375C CPU @ 2.90GHz", "processor\t: 1",
                "model name\t: something else");
        assertEquals("Intel(R) Xeon(R) Platinum 8375C CPU @ 2.90GHz", MachineKey.modelName(cpuinfo, "model name"));
        List<String> lscpu = List.of("Architecture:            aarch64", "  Model name:            Neoverse-N1",
                "    Model:                 1");
        assertEquals("Neoverse-N1", MachineKey.modelName(lscpu, "model name"));
        assertNull(MachineKey.modelName(List.of("model\t\t: 106", "model name\t:   "), "model name"));
    }

    @Test
    void theIdIsStableAndChangesWithEveryField() {
        MachineKey k = new MachineKey("CPU", 256, 2, "VM 17", "c1");
        assertEquals(k.id(), new MachineKey("CPU", 256, 2, "VM 17", "c1").id());
        assertTrue(k.id().matches("[0-9a-f]{16}"), k.id());
        assertNotEquals(k.id(), new MachineKey("CPU2", 256, 2, "VM 17", "c1").id());
        assertNotEquals(k.id(), new MachineKey("CPU", 128, 2, "VM 17", "c1").id());
        assertNotEquals(k.id(), new MachineKey("CPU", 256, 1, "VM 17", "c1").id());
        assertNotEquals(k.id(), new MachineKey("CPU", 256, 2, "VM 21", "c1").id());
        assertNotEquals(k.id(), new MachineKey("CPU", 256, 2, "VM 17", "c2").id());
    }

    @Test
    void theCodeFingerprintIsReadFromPareClassesAndIsStable() {
        String a = MachineKey.codeFingerprint();
        assertTrue(a.matches("[0-9a-f]{16}"), "the test classpath's class directories are readable: " + a);
        assertEquals(a, MachineKey.codeFingerprint());
        assertEquals(a, MachineKey.current(1).code());
    }

    @Test
    void theCurrentKeyHasThisJvmsVectorWidthAndTheAskedThreads() {
        MachineKey k = MachineKey.current(3);
        assertEquals(VectorConfig.FLOAT.vectorBitSize(), k.vectorBits());
        assertEquals(3, k.threads());
        assertTrue(k.jvm().contains(Runtime.version().feature() + ""), k.jvm());
        assertTrue(!k.cpu().isBlank());
    }

    @Test
    void anIncompleteKeyIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new MachineKey(" ", 256, 2, "VM", "c1"));
        assertThrows(IllegalArgumentException.class, () -> new MachineKey("CPU", 256, 0, "VM", "c1"));
        assertThrows(IllegalArgumentException.class, () -> new MachineKey("CPU", 256, 2, "VM", " "));
    }
}
