package io.kappa.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kappa.kafka.KafkaGroups;
import io.kappa.kafka.TestBroker;
import io.kappa.log.LogContext;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kappa ui --kafka}: the kappa groups of a real Kafka broker, found by their changelog topics, with the status
 * {@code kappa status G --kafka --json} prints, in the API and in the snapshots the page receives.
 */
class UiKafkaTest {
    @RegisterExtension
    static final TestBroker broker = new TestBroker();
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void showsTheKappaGroupsOfTheClusterWithTheirLag() throws Exception {
        broker.createTopic("ui-in", 2);
        broker.createTopic("shop-kappa-main-changelog", 1); // what kappa run --kafka --group shop creates for its stage
        broker.createTopic("plain-topic", 1);
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap());
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < 10; i++) {
                producer.send(new ProducerRecord<>("ui-in", i % 2, null, ("v" + i).getBytes())).get();
            }
        }
        try (Admin admin = broker.admin()) {
            admin.alterConsumerGroupOffsets("shop", Map.of(new TopicPartition("ui-in", 0), new OffsetAndMetadata(3),
                new TopicPartition("ui-in", 1), new OffsetAndMetadata(5))).all().get(30, TimeUnit.SECONDS);
        }
        try (UiServer ui = UiServer.start(new UiContext().log(new LogContext().dataDir(dir)).port(0).kafka(broker.bootstrap(), 30_000));
             KafkaGroups groups = new KafkaGroups(broker.bootstrap(), 30_000)) {
            HttpClient http = HttpClient.newHttpClient();
            JsonNode all = JSON.readTree(http.send(HttpRequest.newBuilder(URI.create(ui.url() + "api/kafka/groups")).build(),
                HttpResponse.BodyHandlers.ofString()).body());
            assertEquals(1, all.get("groups").size(), "one kappa group: " + all);
            JsonNode shop = all.get("groups").get(0);
            assertEquals("shop", shop.get("group").asText());
            assertEquals(2, shop.get("lag").asLong(), "partition 0: 5 - 3, partition 1: 5 - 5");
            assertFalse(shop.get("running").asBoolean());
            assertEquals("shop-kappa-main-changelog", shop.at("/stateTopics/0").asText());
            assertEquals(groups.status("shop").toString(), shop.toString(), "what kappa status shop --kafka --json prints");
            HttpResponse<String> none = http.send(HttpRequest.newBuilder(URI.create(ui.url() + "api/kafka/groups/plain")).build(),
                HttpResponse.BodyHandlers.ofString());
            assertEquals(404, none.statusCode());

            long deadline = System.currentTimeMillis() + 30_000;
            JsonNode snapshot = null;
            while (System.currentTimeMillis() < deadline) {
                String line = latestSnapshot(http, ui);
                snapshot = line == null ? null : JSON.readTree(line);
                if (snapshot != null && snapshot.has("kafka")) {
                    break;
                }
                Thread.sleep(200);
            }
            assertTrue(snapshot != null && snapshot.has("kafka"), "the page's snapshots carry the Kafka view: " + snapshot);
            assertEquals("shop", snapshot.at("/kafka/groups/0/group").asText());
        }
    }

    /** The first snapshot the event stream sends. */
    private static String latestSnapshot(HttpClient http, UiServer ui) throws Exception {
        HttpResponse<java.io.InputStream> r = http.send(HttpRequest.newBuilder(URI.create(ui.url() + "api/events")).build(),
            HttpResponse.BodyHandlers.ofInputStream());
        try (java.io.BufferedReader in = new java.io.BufferedReader(new java.io.InputStreamReader(r.body(), java.nio.charset.StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                if (line.startsWith("data: ")) {
                    return line.substring(6);
                }
            }
        }
        return null;
    }
}
