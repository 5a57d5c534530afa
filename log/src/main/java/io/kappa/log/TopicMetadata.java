package io.kappa.log;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

/**
 * The metadata file of a topic, {@code topic.json}, format version 1:
 * <pre>
 * {
 *   "formatVersion" : 1,
 *   "name" : "orders",
 *   "partitions" : 4,
 *   "retentionMs" : -1,
 *   "retentionBytes" : -1,
 *   "segment" : "1h",
 *   "createdTime" : "2026-11-21T10:00:00.123Z"
 * }
 * </pre>
 * Written once at creation (temporary file, fsync, rename); an unknown version or a missing field is an
 * error, never a guess.
 */
public record TopicMetadata(int formatVersion, String name, int partitions, long retentionMs, long retentionBytes,
                            String segment, String createdTime) {
    public static final int FORMAT_VERSION = 1;
    public static final String FILE_NAME = "topic.json";

    private static final ObjectMapper JSON = new ObjectMapper()
        .enable(SerializationFeature.INDENT_OUTPUT)
        .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
        .enable(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES);

    static TopicMetadata create(String name, TopicConfig config, long nowMs) {
        return new TopicMetadata(FORMAT_VERSION, name, config.partitions(), config.retentionMs(), config.retentionBytes(),
            config.segment(), Instant.ofEpochMilli(nowMs).toString());
    }

    public TopicConfig config() {
        return new TopicConfig(partitions, retentionMs, retentionBytes, segment);
    }

    void write(Path topicDir) throws IOException {
        Path tmp = topicDir.resolve(FILE_NAME + ".tmp");
        byte[] bytes = JSON.writeValueAsBytes(this);
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
            ch.write(java.nio.ByteBuffer.wrap(bytes));
            ch.force(true);
        }
        Files.move(tmp, topicDir.resolve(FILE_NAME), StandardCopyOption.ATOMIC_MOVE);
    }

    static TopicMetadata read(Path topicDir, String expectedName) {
        Path file = topicDir.resolve(FILE_NAME);
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new LogException.CorruptMetadata("topic '" + expectedName + "': metadata file " + file + " is missing");
        } catch (IOException e) {
            throw new LogException.CorruptMetadata("topic '" + expectedName + "': cannot read " + file + ": " + e.getMessage(), e);
        }
        TopicMetadata m;
        try {
            m = JSON.readValue(bytes, TopicMetadata.class);
        } catch (JsonProcessingException e) {
            throw new LogException.CorruptMetadata("topic '" + expectedName + "': metadata file " + file + " is corrupt: "
                + e.getOriginalMessage() + locationOf(e), e);
        } catch (IOException e) {
            throw new LogException.CorruptMetadata("topic '" + expectedName + "': cannot parse " + file + ": " + e.getMessage(), e);
        }
        if (m == null) {
            throw new LogException.CorruptMetadata("topic '" + expectedName + "': metadata file " + file + " is empty");
        }
        if (m.formatVersion != FORMAT_VERSION) {
            throw new LogException.CorruptMetadata("topic '" + expectedName + "': metadata file " + file + " has format version "
                + m.formatVersion + ", this kappa reads version " + FORMAT_VERSION);
        }
        if (!expectedName.equals(m.name)) {
            throw new LogException.CorruptMetadata("topic '" + expectedName + "': metadata file " + file + " names topic '" + m.name + "'");
        }
        try {
            m.config();
        } catch (IllegalArgumentException e) {
            throw new LogException.CorruptMetadata("topic '" + expectedName + "': metadata file " + file + " is invalid: " + e.getMessage());
        }
        return m;
    }

    private static String locationOf(JsonProcessingException e) {
        return e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")";
    }
}
