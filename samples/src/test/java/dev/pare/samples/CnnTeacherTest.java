package dev.pare.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pare.compress.search.MobileNetArchitecture;
import dev.pare.compress.search.MobileNetSpace;
import dev.pare.tensor.Rng;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;

/** The pipeline's student of a searched CNN: inside the search space, and never larger than its teacher. */
class CnnTeacherTest {

    @Property(tries = 200)
    void theStudentIsInTheSpaceAndNoLargerThanItsTeacher(@ForAll @LongRange(min = 0, max = 1_000_000) long seed) {
        MobileNetSpace space = new MobileNetSpace();
        MobileNetArchitecture teacher = space.sample(new Rng(seed));
        MobileNetArchitecture student = CnnTeacher.studentOf(teacher);
        assertEquals(student, space.decode(student.encode()), student.encode());
        assertTrue(student.parameters() <= teacher.parameters(), teacher.encode() + " -> " + student.encode());
        assertTrue(student.multiplyAdds() <= teacher.multiplyAdds(), teacher.encode() + " -> " + student.encode());
        for (int i = 0; i < teacher.stages().size(); i++) {
            assertEquals((teacher.stages().get(i).blocks() + 1) / 2, student.stages().get(i).blocks());
        }
    }

    @org.junit.jupiter.api.Test
    void theSmallestChoicesStayAsTheyAre() {
        MobileNetArchitecture smallest = new MobileNetSpace().decode("mbv2:s8|e1k3n1w0.5|e1k3n1w0.5|e1k3n1w0.5");
        assertEquals(smallest.encode(), CnnTeacher.studentOf(smallest).encode());
        assertEquals("mbv2:s16|e6k5n2w1.0|e3k3n1w0.75|e1k5n1w0.5",
                CnnTeacher.studentOf(new MobileNetSpace().decode("mbv2:s24|e6k5n3w1.5|e3k3n2w1.0|e1k5n1w0.75")).encode());
    }
}
