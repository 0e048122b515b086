package dev.deja.bench;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;

/**
 * The bench's PNG: throughput of scenarios 1 to 4 and the drain rates of the fresh processes of
 * scenario 8, beside the end-to-end latency of scenarios 1 to 4.
 */
final class BenchChart {

    private static final int WIDTH = 700;
    private static final int HEIGHT = 450;
    private static final int CAPTION = 24;

    private BenchChart() {
    }

    static void write(BenchReport report, Path file) throws IOException {
        System.setProperty("java.awt.headless", "true");
        List<String> names = new ArrayList<>();
        List<Double> throughput = new ArrayList<>();
        List<Double> p50 = new ArrayList<>();
        List<Double> p99 = new ArrayList<>();
        for (ScenarioResult s : report.scenarios()) {
            if (s.skipped() != null || s.figure(ScenarioResult.Figure.THROUGHPUT).isEmpty()) {
                continue;
            }
            names.add("(" + s.number() + ") " + shortName(s.number()));
            throughput.add(s.value(ScenarioResult.Figure.THROUGHPUT));
            p50.add(orZero(s.value(ScenarioResult.Figure.SAT_P50)));
            p99.add(orZero(s.value(ScenarioResult.Figure.SAT_P99)));
        }
        List<String> latencyNames = new ArrayList<>(names);
        report.scenario(8).filter(s -> s.skipped() == null).ifPresent(cold -> {
            for (String variant : List.of(ColdStartBench.PASS_THROUGH, ColdStartBench.DEJA, ColdStartBench.DEJA_CDS,
                    ColdStartBench.DEJA_C1)) {
                double rate = cold.value("cold_" + variant + "_drain_rate");
                if (!Double.isNaN(rate)) {
                    names.add("(8) cold " + variant.replace("deja_", "").replace("passthrough", "p-t"));
                    throughput.add(rate);
                }
            }
        });
        if (latencyNames.isEmpty()) {
            latencyNames.add("none");
            p50.add(0.0);
            p99.add(0.0);
        }
        if (names.isEmpty()) {
            names.add("none");
            throughput.add(0.0);
        }
        CategoryChart left = new CategoryChartBuilder().width(WIDTH).height(HEIGHT)
                .title("Throughput (events/s)").xAxisTitle("scenario").yAxisTitle("events/s").build();
        left.getStyler().setLegendVisible(false);
        left.getStyler().setChartBackgroundColor(Color.WHITE);
        left.addSeries("throughput", names, throughput);

        CategoryChart right = new CategoryChartBuilder().width(WIDTH).height(HEIGHT)
                .title("End-to-end latency, all sent at once (ms)").xAxisTitle("scenario").yAxisTitle("ms").build();
        right.getStyler().setChartBackgroundColor(Color.WHITE);
        right.addSeries("p50", latencyNames, p50);
        right.addSeries("p99", latencyNames, p99);
        List<String> paced = new ArrayList<>();
        List<Double> pacedP99 = new ArrayList<>();
        for (ScenarioResult s : report.scenarios()) {
            if (s.skipped() == null && s.figure(ScenarioResult.Figure.P99).isPresent()) {
                paced.add("(" + s.number() + ") " + shortName(s.number()));
                pacedP99.add(s.value(ScenarioResult.Figure.P99));
            }
        }
        BufferedImage image = new BufferedImage(WIDTH * 2, HEIGHT + CAPTION, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, WIDTH * 2, HEIGHT + CAPTION);
        g.drawImage(BitmapEncoder.getBufferedImage(left), 0, 0, null);
        g.drawImage(BitmapEncoder.getBufferedImage(right), WIDTH, 0, null);
        if (!paced.isEmpty()) {
            g.setColor(Color.DARK_GRAY);
            StringBuilder caption = new StringBuilder("paced p99 (" + BenchReport.number(report.scenario(2)
                    .map(x -> x.value("paced_rate")).orElse(Double.NaN)) + " events/s): ");
            for (int i = 0; i < paced.size(); i++) {
                caption.append(i == 0 ? "" : ", ").append(paced.get(i)).append(' ')
                        .append(BenchReport.number(pacedP99.get(i))).append(" ms");
            }
            g.drawString(caption.toString(), WIDTH + 10, HEIGHT + CAPTION - 8);
        }
        g.dispose();
        ImageIO.write(image, "png", file.toFile());
    }

    private static double orZero(double value) {
        return Double.isNaN(value) ? 0 : value;
    }

    private static String shortName(int number) {
        return switch (number) {
            case 1 -> "pass-through";
            case 2 -> "cache hit";
            case 3 -> "mixed";
            case 4 -> "naive";
            case 8 -> "cold";
            default -> "#" + number;
        };
    }
}
