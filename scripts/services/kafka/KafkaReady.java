import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterResult;

/**
 * Readiness probe used by scripts/services.sh: connects to the broker with the
 * Kafka admin client (from the same jars as the broker), and succeeds only
 * when a real metadata round trip works (cluster id, live nodes, topic list).
 *
 * Usage: java -cp 'kafka-libs/*:tools' KafkaReady 127.0.0.1:19092
 * Exit code 0 when ready, 1 otherwise.
 */
public final class KafkaReady {
    private KafkaReady() {}

    public static void main(String[] args) {
        if (args.length != 1) {
            System.err.println("usage: KafkaReady BOOTSTRAP_SERVERS");
            System.exit(2);
        }
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, args[0]);
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "5000");
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "8000");
        props.put(AdminClientConfig.CLIENT_ID_CONFIG, "eventbus-services-ready");
        try (Admin admin = Admin.create(props)) {
            DescribeClusterResult cluster = admin.describeCluster();
            String clusterId = cluster.clusterId().get(10, TimeUnit.SECONDS);
            int nodes = cluster.nodes().get(10, TimeUnit.SECONDS).size();
            Set<String> topics = admin.listTopics().names().get(10, TimeUnit.SECONDS);
            if (nodes < 1) {
                System.err.println("no live broker yet");
                System.exit(1);
            }
            System.out.println("cluster " + clusterId + ": " + nodes + " node(s), "
                    + topics.size() + " topic(s)");
        } catch (Exception e) {
            System.err.println("not ready: " + e);
            System.exit(1);
        }
    }
}
