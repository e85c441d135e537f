package org.rlhf4j.label;

import com.sun.management.GarbageCollectionNotificationInfo;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import javax.management.NotificationEmitter;
import javax.management.openmbean.CompositeData;

/**
 * A label server in a JVM of its own, for {@link UploadLimitsTest}: prints {@code port N}, serves
 * until its standard input closes, then prints the most heap that any garbage collection left in
 * use (the peak live data, which unlike pool peaks does not count garbage).
 */
final class UploadHeapProbe {
  private static final AtomicLong MAX_AFTER_GC = new AtomicLong();

  private UploadHeapProbe() {}

  public static void main(String[] args) throws Exception {
    Set<String> heapPools = new HashSet<>();
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == MemoryType.HEAP) {
        heapPools.add(pool.getName());
      }
    }
    for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      ((NotificationEmitter) gc).addNotificationListener(
          (n, handback) -> {
            if (GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(n.getType())) {
              GarbageCollectionNotificationInfo info =
                  GarbageCollectionNotificationInfo.from((CompositeData) n.getUserData());
              long used = 0;
              for (Map.Entry<String, MemoryUsage> e : info.getGcInfo().getMemoryUsageAfterGc().entrySet()) {
                if (heapPools.contains(e.getKey())) { // not metaspace or code cache
                  used += e.getValue().getUsed();
                }
              }
              MAX_AFTER_GC.accumulateAndGet(used, Math::max);
            }
          },
          null,
          null);
    }
    try (LabelServer server = LabelServer.start(Fixtures.config(Path.of(args[0])))) {
      System.out.println("port " + server.port());
      System.out.flush();
      while (System.in.read() != -1) {
        // wait for the test to close our input
      }
    }
    System.out.println("most heap in use after a collection: " + (MAX_AFTER_GC.get() >> 20) + " MiB");
  }
}
