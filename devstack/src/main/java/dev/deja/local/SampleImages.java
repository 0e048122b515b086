package dev.deja.local;

import java.awt.Color;
import java.awt.Font;
import java.awt.GradientPaint;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import javax.imageio.ImageIO;

/** Generated PNG images, distinct from each other and the same for the same seed: no binaries in git. */
public final class SampleImages {

    private SampleImages() {
    }

    public static List<byte[]> generate(int count, long seed) {
        System.setProperty("java.awt.headless", "true");
        Random random = new Random(seed);
        List<byte[]> images = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int width = 320 + random.nextInt(320);
            int height = 240 + random.nextInt(240);
            BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
            Graphics2D g = image.createGraphics();
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setPaint(new GradientPaint(0, 0, new Color(random.nextInt(0xFFFFFF)), width, height,
                    new Color(random.nextInt(0xFFFFFF))));
            g.fillRect(0, 0, width, height);
            for (int shape = 0; shape < 12; shape++) {
                g.setColor(new Color(random.nextInt(0xFFFFFF)));
                g.fillOval(random.nextInt(width), random.nextInt(height), 20 + random.nextInt(120), 20 + random.nextInt(120));
            }
            g.setColor(Color.WHITE);
            g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 36));
            g.drawString("deja #" + i, 20, height - 30);
            g.dispose();
            ByteArrayOutputStream png = new ByteArrayOutputStream();
            try {
                ImageIO.write(image, "png", png);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            images.add(png.toByteArray());
        }
        return images;
    }
}
