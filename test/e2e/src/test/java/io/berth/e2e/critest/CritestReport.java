package io.berth.e2e.critest;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/** What one critest run said, spec by spec, read from the JUnit report Ginkgo writes ({@code -ginkgo.junit-report}). */
record CritestReport(List<Spec> specs) {

    enum Outcome { PASSED, FAILED, SKIPPED }

    /** One spec: its full name as Ginkgo prints it, and for a failure or skip the message. */
    record Spec(String name, Outcome outcome, String message) {}

    static CritestReport read(Path junitXml) throws Exception {
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        NodeList cases = factory.newDocumentBuilder().parse(junitXml.toFile()).getElementsByTagName("testcase");
        List<Spec> specs = new ArrayList<>();
        for (int i = 0; i < cases.getLength(); i++) {
            Element c = (Element) cases.item(i);
            String name = c.getAttribute("name");
            // Ginkgo reports its suite-level nodes as cases too; only specs ([It]) count.
            if (!name.startsWith("[It]")) {
                continue;
            }
            specs.add(new Spec(name.substring("[It]".length()).trim(), outcome(c), message(c)));
        }
        return new CritestReport(List.copyOf(specs));
    }

    private static Outcome outcome(Element c) {
        String status = c.getAttribute("status");
        return switch (status) {
            case "passed" -> Outcome.PASSED;
            case "skipped", "pending" -> Outcome.SKIPPED;
            default -> Outcome.FAILED;
        };
    }

    private static String message(Element c) {
        for (String tag : List.of("failure", "error", "skipped")) {
            NodeList n = c.getElementsByTagName(tag);
            if (n.getLength() > 0) {
                Element e = (Element) n.item(0);
                return (e.getAttribute("message") + "\n" + e.getTextContent()).trim();
            }
        }
        return "";
    }

    List<Spec> with(Outcome outcome) {
        return specs.stream().filter(s -> s.outcome() == outcome).toList();
    }

    /** The line CI and people read: "critest: N passed, N failed, N skipped". */
    String summary() {
        return "critest: " + with(Outcome.PASSED).size() + " passed, " + with(Outcome.FAILED).size() + " failed, "
                + with(Outcome.SKIPPED).size() + " skipped";
    }

    static String describe(List<Spec> specs) {
        return specs.stream().map(s -> "- " + s.name() + (s.message().isEmpty() ? "" : "\n    "
                + s.message().lines().limit(12).collect(Collectors.joining("\n    "))))
                .collect(Collectors.joining("\n"));
    }
}
