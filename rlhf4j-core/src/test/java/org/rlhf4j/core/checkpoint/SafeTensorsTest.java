package org.rlhf4j.core.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafeTensorsTest {
  @TempDir Path dir;
  private NDManager manager;

  @BeforeEach
  void open() {
    manager = NDManager.newBaseManager();
  }

  @AfterEach
  void close() {
    manager.close();
  }

  private Map<String, NDArray> sample() {
    Map<String, NDArray> t = new LinkedHashMap<>();
    t.put("b.weight", manager.randomNormal(0, 1, new Shape(3, 5), DataType.FLOAT32));
    t.put("a.bias", manager.randomNormal(0, 1, new Shape(7), DataType.FLOAT32));
    t.put("ids", manager.create(new long[] {1, -2, 3_000_000_000L, 4}, new Shape(2, 2)));
    t.put("counts", manager.create(new int[] {7, 8, 9}));
    t.put("scalar", manager.create(2.5f));
    t.put("empty", manager.zeros(new Shape(0, 4), DataType.FLOAT32));
    return t;
  }

  @Test
  void float32RoundTripIsExactAndKeepsIntegersAndMetadata() throws IOException {
    Path file = dir.resolve("t.safetensors");
    Map<String, NDArray> in = sample();
    SafeTensors.write(file, in, Map.of("format", "pt", "note", "x"), DataType.FLOAT32);

    Map<String, NDArray> out = SafeTensors.read(file, manager);
    assertEquals(List.of("a.bias", "b.weight", "counts", "empty", "ids", "scalar"), List.copyOf(out.keySet()));
    for (String name : in.keySet()) {
      assertEquals(in.get(name).getShape(), out.get(name).getShape(), name);
      assertEquals(in.get(name).getDataType(), out.get(name).getDataType(), name);
    }
    assertArrayEquals(in.get("b.weight").toFloatArray(), out.get("b.weight").toFloatArray());
    assertArrayEquals(in.get("ids").toLongArray(), out.get("ids").toLongArray());
    assertArrayEquals(in.get("counts").toIntArray(), out.get("counts").toIntArray());
    assertEquals(2.5f, out.get("scalar").getFloat());
    assertEquals(Map.of("format", "pt", "note", "x"), SafeTensors.readHeader(file).metadata());
  }

  @Test
  void headerIsAlignedSortedAndNoTempFileRemains() throws IOException {
    Path file = dir.resolve("t.safetensors");
    SafeTensors.write(file, sample(), Map.of(), DataType.FLOAT32);
    SafeTensors.Header header = SafeTensors.readHeader(file);
    assertEquals(0, header.dataStart() % 8, "data section must start 8-byte aligned");
    assertEquals(List.of("a.bias", "b.weight", "counts", "empty", "ids", "scalar"), List.copyOf(header.tensors().keySet()));
    // Sorted by name also means laid out by name: a.bias first at offset 0.
    assertEquals(0, header.tensors().get("a.bias").begin());
    assertEquals("I64", header.tensors().get("ids").dtype());
    try (Stream<Path> files = Files.list(dir)) {
      assertEquals(List.of(file), files.toList());
    }
  }

  @Test
  void float16StorageRestoresFloat32WithinTolerance() throws IOException {
    Path f32 = dir.resolve("f32.safetensors");
    Path f16 = dir.resolve("f16.safetensors");
    NDArray w = manager.randomNormal(0, 1, new Shape(64, 32), DataType.FLOAT32);
    SafeTensors.write(f32, Map.of("w", w), null, DataType.FLOAT32);
    SafeTensors.write(f16, Map.of("w", w), null, DataType.FLOAT16);
    assertEquals("F16", SafeTensors.readHeader(f16).tensors().get("w").dtype());
    assertTrue(Files.size(f16) < Files.size(f32) * 0.6, "fp16 storage should halve the file");

    NDArray back = SafeTensors.read(f16, manager).get("w");
    assertEquals(DataType.FLOAT32, back.getDataType());
    float[] a = w.toFloatArray();
    float[] b = back.toFloatArray();
    for (int i = 0; i < a.length; i++) {
      // fp16 keeps 11 significant bits: relative error <= 2^-11, i.e. < 1e-3 for |x| <= 2.
      assertEquals(a[i], b[i], 1e-3 * Math.max(1, Math.abs(a[i])), "element " + i);
    }
  }

  @Test
  void readsBfloat16AndFloat64AsFloat32() throws IOException {
    // bf16 is the top half of a float32: 1.5f = 0x3FC00000 -> 0x3FC0; -2.0f = 0xC0000000 -> 0xC000.
    ByteBuffer data = ByteBuffer.allocate(4 + 16).order(ByteOrder.LITTLE_ENDIAN);
    data.putShort((short) 0x3FC0).putShort((short) 0xC000).putDouble(0.25).putDouble(-8.0);
    Path file = write(
        "{\"h\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[0,4]},"
            + "\"d\":{\"dtype\":\"F64\",\"shape\":[2],\"data_offsets\":[4,20]}}",
        data.array());
    Map<String, NDArray> out = SafeTensors.read(file, manager);
    assertArrayEquals(new float[] {1.5f, -2.0f}, out.get("h").toFloatArray());
    assertArrayEquals(new float[] {0.25f, -8.0f}, out.get("d").toFloatArray());
  }

  @Test
  void includeFilterSkipsTensors() throws IOException {
    Path file = dir.resolve("t.safetensors");
    SafeTensors.write(file, sample(), null, DataType.FLOAT32);
    assertEquals(List.of("ids"), List.copyOf(SafeTensors.read(file, manager, "ids"::equals).keySet()));
  }

  @Test
  void rejectsBadStorageAndTensorDtypes() {
    Path file = dir.resolve("t.safetensors");
    Map<String, NDArray> t = Map.of("w", manager.ones(new Shape(2)));
    assertThrows(IllegalArgumentException.class, () -> SafeTensors.write(file, t, null, DataType.INT32));
    Map<String, NDArray> bools = Map.of("m", manager.create(new boolean[] {true}));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> SafeTensors.write(file, bools, null, DataType.FLOAT32));
    assertTrue(e.getMessage().contains("'m'"), e.getMessage());
    assertTrue(Files.notExists(file));
  }

  // ---- corruption: each error names the file and, where one is to blame, the tensor ----

  @Test
  void truncatedFileNamesTheTensorBeyondTheEnd() throws IOException {
    Path file = dir.resolve("t.safetensors");
    SafeTensors.write(file, sample(), null, DataType.FLOAT32);
    byte[] bytes = Files.readAllBytes(file);
    Files.write(file, java.util.Arrays.copyOf(bytes, bytes.length - 3)); // cuts into "scalar"
    CheckpointException e = assertThrows(CheckpointException.class, () -> SafeTensors.read(file, manager));
    assertEquals(file, e.file());
    assertEquals("scalar", e.tensor().orElseThrow());
    assertTrue(e.getMessage().contains(file.toString()) && e.getMessage().contains("truncated"), e.getMessage());
  }

  @Test
  void fileShorterThanTheLengthPrefix() throws IOException {
    Path file = dir.resolve("t.safetensors");
    Files.write(file, new byte[] {1, 2, 3});
    CheckpointException e = assertThrows(CheckpointException.class, () -> SafeTensors.read(file, manager));
    assertTrue(e.getMessage().contains("truncated"), e.getMessage());
  }

  @Test
  void headerLengthLargerThanTheFileIsRejectedBeforeAllocating() throws IOException {
    Path file = dir.resolve("t.safetensors");
    for (long lie : new long[] {1L << 40, -1L, 1000}) {
      ByteBuffer b = ByteBuffer.allocate(8 + 10).order(ByteOrder.LITTLE_ENDIAN).putLong(lie);
      Files.write(file, b.array());
      CheckpointException e = assertThrows(CheckpointException.class, () -> SafeTensors.read(file, manager));
      assertTrue(e.getMessage().contains("larger than the file"), e.getMessage());
    }
  }

  @Test
  void headerNotJson() throws IOException {
    Path file = write("{not json at all", new byte[0]);
    CheckpointException e = assertThrows(CheckpointException.class, () -> SafeTensors.read(file, manager));
    assertTrue(e.getMessage().contains("not valid JSON"), e.getMessage());
    Path array = write("[1,2,3]", new byte[0]);
    assertThrows(CheckpointException.class, () -> SafeTensors.read(array, manager));
  }

  @Test
  void unknownDtypeNamesTheTensor() throws IOException {
    Path file = write("{\"w\":{\"dtype\":\"F8_XYZ\",\"shape\":[2],\"data_offsets\":[0,2]}}", new byte[2]);
    CheckpointException e = assertThrows(CheckpointException.class, () -> SafeTensors.read(file, manager));
    assertEquals("w", e.tensor().orElseThrow());
    assertTrue(e.getMessage().contains("F8_XYZ"), e.getMessage());
  }

  @Test
  void offsetsThatDisagreeWithShapeNameTheTensor() throws IOException {
    Path file = write("{\"w\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", new byte[8]);
    CheckpointException e = assertThrows(CheckpointException.class, () -> SafeTensors.read(file, manager));
    assertEquals("w", e.tensor().orElseThrow());
    assertTrue(e.getMessage().contains("needs 12"), e.getMessage());
  }

  @Test
  void offsetsBeyondTheFileNameTheTensor() throws IOException {
    // A header claiming a 4 GB tensor in a 16-byte file must fail without trying to allocate it.
    Path file = write("{\"w\":{\"dtype\":\"F32\",\"shape\":[1073741824],\"data_offsets\":[0,4294967296]}}", new byte[16]);
    CheckpointException e = assertThrows(CheckpointException.class, () -> SafeTensors.read(file, manager));
    assertEquals("w", e.tensor().orElseThrow());
    assertTrue(e.getMessage().contains("beyond the data section"), e.getMessage());
  }

  @Test
  void overlappingTensorsAreRejected() throws IOException {
    Path file = write(
        "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
            + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}",
        new byte[12]);
    CheckpointException e = assertThrows(CheckpointException.class, () -> SafeTensors.read(file, manager));
    assertEquals("b", e.tensor().orElseThrow());
    assertTrue(e.getMessage().contains("overlap tensor 'a'"), e.getMessage());
  }

  @Test
  void holesAndTrailingBytesAreRejected() throws IOException {
    Path hole = write("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", new byte[8]);
    CheckpointException e = assertThrows(CheckpointException.class, () -> SafeTensors.read(hole, manager));
    assertEquals("a", e.tensor().orElseThrow());
    Path trailing = write("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", new byte[9]);
    assertThrows(CheckpointException.class, () -> SafeTensors.read(trailing, manager));
  }

  @Test
  void negativeDimensionNamesTheTensor() throws IOException {
    Path file = write("{\"w\":{\"dtype\":\"F32\",\"shape\":[-1,4],\"data_offsets\":[0,0]}}", new byte[0]);
    CheckpointException e = assertThrows(CheckpointException.class, () -> SafeTensors.read(file, manager));
    assertEquals("w", e.tensor().orElseThrow());
    assertTrue(e.getMessage().contains("negative"), e.getMessage());
  }

  @Test
  void duplicateKeysAndNonStringMetadataAreRejected() throws IOException {
    Path dup = write(
        "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
            + "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}",
        new byte[4]);
    assertThrows(CheckpointException.class, () -> SafeTensors.read(dup, manager));
    Path meta = write("{\"__metadata__\":{\"k\":1}}", new byte[0]);
    CheckpointException e = assertThrows(CheckpointException.class, () -> SafeTensors.read(meta, manager));
    assertEquals("__metadata__", e.tensor().orElseThrow());
  }

  @Test
  void missingFileIsACheckpointException() {
    Path file = dir.resolve("absent.safetensors");
    CheckpointException e = assertThrows(CheckpointException.class, () -> SafeTensors.read(file, manager));
    assertTrue(e.getMessage().contains("not found"), e.getMessage());
  }

  @Test
  void readsFilesWrittenByTheIndependentPythonWriter() throws Exception {
    Path fixture = Path.of(getClass().getResource("/oracle/fixture.safetensors").toURI());
    Map<String, NDArray> t = SafeTensors.read(fixture, manager);
    assertEquals(DataType.INT64, t.get("input_ids").getDataType());
    assertEquals(new Shape(3, 12), t.get("input_ids").getShape());
    assertEquals(new Shape(3, 12, 97), t.get("logits").getShape());
    assertEquals(new Shape(), t.get("loss").getShape());
    assertEquals("make_oracle.py", SafeTensors.readHeader(fixture).metadata().get("generator"));
  }

  /** A hand-made file: length prefix, header text, data bytes. */
  private Path write(String header, byte[] data) throws IOException {
    byte[] h = header.getBytes(StandardCharsets.UTF_8);
    ByteBuffer b = ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(h.length).put(h).put(data);
    Path file = Files.createTempFile(dir, "hand", ".safetensors");
    Files.write(file, b.array());
    return file;
  }
}
