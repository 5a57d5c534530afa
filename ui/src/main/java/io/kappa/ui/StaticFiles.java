package io.kappa.ui;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;

/**
 * The page and what it loads, from the jar ({@code io/kappa/ui/web/}): nothing comes from the network, so the
 * console works offline. uPlot (MIT, its licence beside it as {@code uPlot.LICENSE}) draws the charts.
 */
final class StaticFiles {
    /** The files served under {@code /static/} (and the page at {@code /}), with their content types. */
    private static final Map<String, String> TYPES = Map.of(
        "index.html", "text/html; charset=utf-8",
        "app.js", "text/javascript; charset=utf-8",
        "app.css", "text/css; charset=utf-8",
        "uPlot.iife.min.js", "text/javascript; charset=utf-8",
        "uPlot.min.css", "text/css; charset=utf-8",
        "uPlot.LICENSE", "text/plain; charset=utf-8");

    /** A file's bytes and content type. */
    record File(byte[] bytes, String type) {
    }

    private final Map<String, File> files;

    StaticFiles() {
        Map<String, File> loaded = new java.util.HashMap<>();
        TYPES.forEach((name, type) -> loaded.put(name, new File(read(name), type)));
        files = Map.copyOf(loaded);
    }

    /** The file of that name, or null when the console has none. */
    File get(String name) {
        return files.get(name);
    }

    private static byte[] read(String name) {
        try (InputStream in = StaticFiles.class.getResourceAsStream("web/" + name)) {
            if (in == null) {
                throw new IllegalStateException("the kappa-ui jar lacks web/" + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
