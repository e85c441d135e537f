package org.rlhf4j.core.checkpoint;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * Reader and writer for the <a href="https://github.com/huggingface/safetensors">safetensors</a>
 * format, the format of Hugging Face's {@code model.safetensors}.
 *
 * <p>Layout: 8 bytes little-endian unsigned header length N; N bytes of UTF-8 JSON mapping each
 * tensor name to {@code {"dtype", "shape", "data_offsets": [begin, end]}} (offsets relative to
 * the end of the header) plus an optional {@code "__metadata__"} string-to-string map; then the
 * raw little-endian tensor bytes, row-major. We write the header padded with spaces so the data
 * starts 8-byte aligned, and the tensors sorted by name, as the reference implementation does.
 *
 * <p>Reading trusts nothing in the file: the header length is checked against the file size
 * before the header is read (a lying length must not become a huge allocation), and every
 * tensor's offsets are checked against its shape and dtype, the data section's size, and each
 * other (no overlaps, no holes, as the reference implementation requires) before any tensor byte
 * is read. So no allocation exceeds the file's own size, and a bad file fails with a {@link
 * CheckpointException} naming the file and tensor instead of an out-of-memory or a partial load.
 *
 * <p>Floating-point tensors (F32, F16, BF16, F64) load as float32, the dtype our model computes
 * in; integer tensors (I64, I32) keep their dtype. Arrays are created in the caller's {@link
 * NDManager}; the caller closes them (or the manager).
 */
public final class SafeTensors {
  /** The reference implementation's limit on header size (safetensors' MAX_HEADER_SIZE). */
  static final long MAX_HEADER_BYTES = 100_000_000L;

  /** The key under which the header stores free-form string metadata. */
  public static final String METADATA_KEY = "__metadata__";

  private static final ObjectMapper JSON =
      new ObjectMapper()
          .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  private SafeTensors() {}

  /** The dtypes this reader understands, with their safetensors spelling and element size. */
  enum Dtype {
    F32(4, DataType.FLOAT32),
    F16(2, DataType.FLOAT16),
    BF16(2, DataType.BFLOAT16),
    F64(8, DataType.FLOAT64),
    I64(8, DataType.INT64),
    I32(4, DataType.INT32);

    final int bytes;
    final DataType djl;

    Dtype(int bytes, DataType djl) {
      this.bytes = bytes;
      this.djl = djl;
    }

    static Dtype parse(String name) {
      for (Dtype d : values()) {
        if (d.name().equals(name)) {
          return d;
        }
      }
      return null;
    }

    static Dtype of(DataType djl) {
      for (Dtype d : values()) {
        if (d.djl == djl) {
          return d;
        }
      }
      return null;
    }
  }

  /**
   * One tensor's header entry.
   *
   * @param name tensor name
   * @param dtype safetensors dtype name, e.g. {@code "F32"}
   * @param shape dimensions (a scalar has none)
   * @param begin first byte, relative to the start of the data section
   * @param end one past the last byte, relative to the start of the data section
   */
  public record TensorInfo(String name, String dtype, Shape shape, long begin, long end) {
    public TensorInfo {
      if (name == null || dtype == null || shape == null) {
        throw new IllegalArgumentException("name, dtype and shape are required");
      }
      if (begin < 0 || end < begin) {
        throw new IllegalArgumentException("bad offsets [" + begin + ", " + end + ") for " + name);
      }
    }

    /** Bytes in the data section. */
    public long byteLength() {
      return end - begin;
    }
  }

  /**
   * A validated header.
   *
   * @param metadata the {@code __metadata__} map (empty when absent)
   * @param tensors entries by name, in name order
   * @param dataStart absolute file offset of the data section (8 + header length)
   */
  public record Header(Map<String, String> metadata, Map<String, TensorInfo> tensors, long dataStart) {
    public Header {
      metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
      tensors = Collections.unmodifiableMap(new LinkedHashMap<>(tensors));
    }
  }

  /** Reads and validates the header only; no tensor data is read. */
  public static Header readHeader(Path file) throws IOException {
    try (FileChannel ch = open(file)) {
      return readHeader(file, ch);
    }
  }

  /** Reads every tensor of {@code file} into {@code manager}; names in sorted order. */
  public static Map<String, NDArray> read(Path file, NDManager manager) throws IOException {
    return read(file, manager, name -> true);
  }

  /**
   * Reads the tensors whose name {@code include} accepts; the others are validated in the header
   * but never read or allocated (for example the causal-mask buffers of old GPT-2 checkpoints).
   * On any error, the arrays already created are closed before the exception is thrown.
   */
  public static Map<String, NDArray> read(Path file, NDManager manager, Predicate<String> include)
      throws IOException {
    try (FileChannel ch = open(file)) {
      Header header = readHeader(file, ch);
      Map<String, NDArray> out = new LinkedHashMap<>();
      boolean ok = false;
      try {
        for (TensorInfo info : header.tensors().values()) {
          if (include.test(info.name())) {
            out.put(info.name(), readTensor(file, ch, header.dataStart(), info, manager));
          }
        }
        ok = true;
        return out;
      } finally {
        if (!ok) {
          out.values().forEach(NDArray::close);
        }
      }
    }
  }

  /**
   * Writes {@code tensors} to {@code file} atomically (temp sibling + rename), sorted by name.
   * Floating-point tensors are stored as {@code storage} (FLOAT32, or FLOAT16 / BFLOAT16 to halve
   * the size: loading converts back to float32, with about 3 (float16) or 2 (bfloat16) significant
   * digits kept; bfloat16 is rounded to nearest even, as torch's {@code to(bfloat16)}); integer tensors
   * (INT64, INT32) are stored as they are.
   *
   * @param metadata stored as {@code __metadata__}; may be empty or null
   * @throws IllegalArgumentException for an unsupported storage or tensor dtype, or a bad name
   */
  public static void write(
      Path file, Map<String, NDArray> tensors, Map<String, String> metadata, DataType storage)
      throws IOException {
    if (storage != DataType.FLOAT32 && storage != DataType.FLOAT16 && storage != DataType.BFLOAT16) {
      throw new IllegalArgumentException("storage must be FLOAT32, FLOAT16 or BFLOAT16, got " + storage);
    }
    // Plan every entry (name, stored dtype, offsets) before writing, so a bad argument fails
    // before the temporary file is created.
    TreeMap<String, NDArray> sorted = new TreeMap<>(tensors);
    List<TensorInfo> plan = new ArrayList<>();
    long offset = 0;
    for (Map.Entry<String, NDArray> e : sorted.entrySet()) {
      String name = e.getKey();
      NDArray array = e.getValue();
      if (name.isEmpty() || METADATA_KEY.equals(name)) {
        throw new IllegalArgumentException("invalid tensor name '" + name + "'");
      }
      Dtype stored = storedDtype(name, array.getDataType(), storage);
      long bytes = Math.multiplyExact(array.size(), (long) stored.bytes);
      plan.add(new TensorInfo(name, stored.name(), array.getShape(), offset, offset + bytes));
      offset += bytes;
    }
    byte[] header = headerBytes(plan, metadata);
    AtomicFiles.write(
        file,
        ch -> {
          ByteBuffer prefix = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
          prefix.putLong(header.length).flip();
          AtomicFiles.writeFully(ch, prefix);
          AtomicFiles.writeFully(ch, ByteBuffer.wrap(header));
          for (TensorInfo info : plan) {
            writeTensor(ch, sorted.get(info.name()), info);
          }
        });
  }

  private static Dtype storedDtype(String name, DataType source, DataType storage) {
    if (source == DataType.INT64 || source == DataType.INT32) {
      return Dtype.of(source);
    }
    if (source.isFloating()) {
      return Dtype.of(storage);
    }
    throw new IllegalArgumentException(
        "tensor '" + name + "' has dtype " + source + "; only floating-point, INT64 and INT32 "
            + "tensors can be written");
  }

  private static byte[] headerBytes(List<TensorInfo> plan, Map<String, String> metadata) {
    ObjectNode root = JSON.createObjectNode();
    if (metadata != null && !metadata.isEmpty()) {
      ObjectNode meta = root.putObject(METADATA_KEY);
      new TreeMap<>(metadata).forEach(meta::put);
    }
    for (TensorInfo info : plan) {
      ObjectNode entry = root.putObject(info.name());
      entry.put("dtype", info.dtype());
      ArrayNode shape = entry.putArray("shape");
      for (long d : info.shape().getShape()) {
        shape.add(d);
      }
      entry.putArray("data_offsets").add(info.begin()).add(info.end());
    }
    byte[] json = root.toString().getBytes(StandardCharsets.UTF_8);
    // Pad with spaces (valid trailing JSON whitespace) so the data section starts at a multiple of
    // 8 bytes and memory-mapping readers can view tensors in place without unaligned loads.
    int padded = (json.length + 7) / 8 * 8;
    byte[] out = Arrays.copyOf(json, padded);
    Arrays.fill(out, json.length, padded, (byte) ' ');
    return out;
  }

  private static void writeTensor(FileChannel ch, NDArray array, TensorInfo info) throws IOException {
    DataType target = Dtype.parse(info.dtype()).djl;
    if (info.byteLength() == 0) {
      return;
    }
    if (target == DataType.BFLOAT16) {
      // DJL's PyTorch engine cannot hand out bfloat16 bytes (see widenBfloat16), so narrow in Java.
      float[] values;
      if (array.getDataType() == DataType.FLOAT32) {
        values = array.toFloatArray();
      } else {
        try (NDArray f32 = array.toType(DataType.FLOAT32, false)) {
          values = f32.toFloatArray();
        }
      }
      AtomicFiles.writeFully(ch, narrowToBfloat16(values));
      return;
    }
    NDArray converted = array.getDataType() == target ? array : array.toType(target, false);
    try {
      // DJL hands out the engine's bytes in native order; every platform DJL's PyTorch engine
      // runs on (x86-64, arm64) is little-endian, which is what safetensors stores.
      ByteBuffer bytes = converted.toByteBuffer();
      if (bytes.remaining() != info.byteLength()) {
        throw new IOException(
            "tensor '" + info.name() + "' produced " + bytes.remaining() + " bytes, expected "
                + info.byteLength());
      }
      AtomicFiles.writeFully(ch, bytes);
    } finally {
      if (converted != array) {
        converted.close();
      }
    }
  }

  private static FileChannel open(Path file) throws IOException {
    try {
      return FileChannel.open(file, StandardOpenOption.READ);
    } catch (NoSuchFileException e) {
      throw new CheckpointException(file, "file not found");
    }
  }

  private static Header readHeader(Path file, FileChannel ch) throws IOException {
    long fileSize = ch.size();
    if (fileSize < 8) {
      throw new CheckpointException(
          file, "truncated: " + fileSize + " bytes, shorter than the 8-byte header length");
    }
    ByteBuffer prefix = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
    readFully(file, null, ch, prefix, 0);
    long headerLength = prefix.flip().getLong();
    // Compare as unsigned: a length with the top bit set is negative as a Java long.
    if (headerLength < 0 || headerLength > fileSize - 8) {
      throw new CheckpointException(
          file,
          "header length " + Long.toUnsignedString(headerLength) + " is larger than the file ("
              + fileSize + " bytes): truncated file or not a safetensors file");
    }
    if (headerLength > MAX_HEADER_BYTES) {
      throw new CheckpointException(
          file, "header length " + headerLength + " exceeds the limit of " + MAX_HEADER_BYTES);
    }
    if (headerLength < 2) {
      throw new CheckpointException(file, "header of " + headerLength + " bytes cannot hold JSON");
    }
    ByteBuffer headerBytes = ByteBuffer.allocate((int) headerLength);
    readFully(file, null, ch, headerBytes, 8);
    JsonNode root;
    try {
      root = JSON.readTree(headerBytes.array());
    } catch (JsonProcessingException e) {
      throw new CheckpointException(
          file, null, "header is not valid JSON: " + e.getOriginalMessage(), e);
    }
    if (root == null || !root.isObject()) {
      throw new CheckpointException(file, "header is not a JSON object");
    }
    long dataStart = 8 + headerLength;
    long dataLength = fileSize - dataStart;
    Map<String, String> metadata = new LinkedHashMap<>();
    TreeMap<String, TensorInfo> tensors = new TreeMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> field = it.next();
      if (METADATA_KEY.equals(field.getKey())) {
        metadata.putAll(parseMetadata(file, field.getValue()));
      } else {
        tensors.put(field.getKey(), parseEntry(file, field.getKey(), field.getValue(), dataLength));
      }
    }
    checkLayout(file, tensors.values(), dataLength);
    return new Header(metadata, tensors, dataStart);
  }

  private static Map<String, String> parseMetadata(Path file, JsonNode node)
      throws CheckpointException {
    if (!node.isObject()) {
      throw new CheckpointException(file, METADATA_KEY, "must be an object of strings");
    }
    Map<String, String> out = new LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      if (!e.getValue().isTextual()) {
        throw new CheckpointException(
            file, METADATA_KEY, "value of '" + e.getKey() + "' is not a string");
      }
      out.put(e.getKey(), e.getValue().asText());
    }
    return out;
  }

  private static TensorInfo parseEntry(Path file, String name, JsonNode node, long dataLength)
      throws CheckpointException {
    if (!node.isObject()) {
      throw new CheckpointException(file, name, "header entry is not an object");
    }
    JsonNode dtypeNode = node.get("dtype");
    if (dtypeNode == null || !dtypeNode.isTextual()) {
      throw new CheckpointException(file, name, "missing or non-string \"dtype\"");
    }
    Dtype dtype = Dtype.parse(dtypeNode.asText());
    if (dtype == null) {
      throw new CheckpointException(
          file,
          name,
          "unsupported dtype \"" + dtypeNode.asText() + "\"; supported: "
              + Arrays.toString(Dtype.values()));
    }
    JsonNode shapeNode = node.get("shape");
    if (shapeNode == null || !shapeNode.isArray()) {
      throw new CheckpointException(file, name, "missing or non-array \"shape\"");
    }
    long[] dims = new long[shapeNode.size()];
    long elements = 1;
    for (int i = 0; i < dims.length; i++) {
      JsonNode d = shapeNode.get(i);
      if (!d.isIntegralNumber() || !d.canConvertToLong()) {
        throw new CheckpointException(file, name, "shape " + shapeNode + " has a non-integer dimension");
      }
      dims[i] = d.asLong();
      if (dims[i] < 0) {
        throw new CheckpointException(file, name, "shape " + shapeNode + " has a negative dimension");
      }
      elements = multiply(file, name, elements, dims[i]);
    }
    JsonNode offsets = node.get("data_offsets");
    if (offsets == null || !offsets.isArray() || offsets.size() != 2
        || !offsets.get(0).isIntegralNumber() || !offsets.get(1).isIntegralNumber()
        || !offsets.get(0).canConvertToLong() || !offsets.get(1).canConvertToLong()) {
      throw new CheckpointException(
          file, name, "\"data_offsets\" must be [begin, end] integers, got " + offsets);
    }
    long begin = offsets.get(0).asLong();
    long end = offsets.get(1).asLong();
    if (begin < 0 || end < begin) {
      throw new CheckpointException(file, name, "data_offsets " + offsets + " are not a range");
    }
    if (end > dataLength) {
      throw new CheckpointException(
          file,
          name,
          "data_offsets " + offsets + " end beyond the data section (" + dataLength
              + " bytes): the file is truncated or the header is wrong");
    }
    long expected = multiply(file, name, elements, dtype.bytes);
    if (end - begin != expected) {
      throw new CheckpointException(
          file,
          name,
          "data_offsets " + offsets + " span " + (end - begin) + " bytes but shape "
              + shapeNode + " of " + dtype + " needs " + expected);
    }
    return new TensorInfo(name, dtype.name(), new Shape(dims), begin, end);
  }

  /**
   * The reference implementation requires the tensors to tile the data section exactly: sorted by
   * offset, each begins where the previous ends, and the last ends at the end of the file. This
   * catches headers that make two tensors share bytes and files with stray bytes appended.
   */
  private static void checkLayout(Path file, java.util.Collection<TensorInfo> tensors, long dataLength)
      throws CheckpointException {
    List<TensorInfo> byOffset = new ArrayList<>(tensors);
    byOffset.sort(Comparator.comparingLong(TensorInfo::begin).thenComparingLong(TensorInfo::end));
    long cursor = 0;
    TensorInfo previous = null;
    for (TensorInfo t : byOffset) {
      if (t.begin() < cursor) {
        throw new CheckpointException(
            file,
            t.name(),
            "data_offsets [" + t.begin() + ", " + t.end() + ") overlap tensor '" + previous.name()
                + "' [" + previous.begin() + ", " + previous.end() + ")");
      }
      if (t.begin() > cursor) {
        throw new CheckpointException(
            file,
            t.name(),
            "data section bytes [" + cursor + ", " + t.begin() + ") before this tensor belong "
                + "to no tensor: the header's offsets are wrong");
      }
      cursor = t.end();
      previous = t;
    }
    if (cursor != dataLength) {
      throw new CheckpointException(
          file,
          "the tensors cover " + cursor + " bytes of the " + dataLength
              + "-byte data section: the header's offsets are wrong or bytes were appended");
    }
  }

  private static long multiply(Path file, String name, long a, long b) throws CheckpointException {
    try {
      return Math.multiplyExact(a, b);
    } catch (ArithmeticException e) {
      throw new CheckpointException(file, name, "shape is too large (size overflows 64 bits)");
    }
  }

  private static NDArray readTensor(
      Path file, FileChannel ch, long dataStart, TensorInfo info, NDManager manager)
      throws IOException {
    Dtype dtype = Dtype.parse(info.dtype());
    DataType loaded = dtype.djl.isFloating() ? DataType.FLOAT32 : dtype.djl;
    NDArray result;
    if (info.byteLength() == 0) {
      result = manager.zeros(info.shape(), loaded);
    } else {
      if (info.byteLength() > Integer.MAX_VALUE) {
        throw new CheckpointException(
            file, info.name(), "tensors over 2 GiB are not supported (" + info.byteLength() + " bytes)");
      }
      // Native order is little-endian on every platform DJL's PyTorch engine supports, so the
      // file's bytes can be handed to the engine as they are.
      ByteBuffer buffer = manager.allocateDirect((int) info.byteLength()).order(ByteOrder.nativeOrder());
      readFully(file, info.name(), ch, buffer, dataStart + info.begin());
      buffer.flip();
      if (dtype == Dtype.BF16) {
        // DJL's PyTorch engine aborts the JVM when handed a BFLOAT16 buffer, so widen in Java:
        // bf16 is the upper half of a float32, the conversion is exact.
        buffer = widenBfloat16(buffer, manager);
      }
      NDArray raw = manager.create(buffer, info.shape(), dtype == Dtype.BF16 ? DataType.FLOAT32 : dtype.djl);
      if (raw.getDataType() == loaded) {
        result = raw;
      } else {
        result = raw.toType(loaded, false);
        raw.close();
      }
    }
    result.setName(info.name());
    return result;
  }

  /** float32 to bfloat16 bits, rounding to nearest even; NaN stays a (quiet) NaN. */
  static ByteBuffer narrowToBfloat16(float[] values) {
    ByteBuffer out = ByteBuffer.allocate(values.length * 2).order(ByteOrder.LITTLE_ENDIAN);
    for (float v : values) {
      int bits = Float.floatToRawIntBits(v);
      short half;
      if (Float.isNaN(v)) {
        half = (short) ((bits >>> 16) | 0x40);
      } else {
        half = (short) ((bits + 0x7FFF + ((bits >>> 16) & 1)) >>> 16);
      }
      out.putShort(half);
    }
    return out.flip();
  }

  private static ByteBuffer widenBfloat16(ByteBuffer bf16, NDManager manager) {
    ByteBuffer f32 = manager.allocateDirect(bf16.remaining() * 2).order(ByteOrder.nativeOrder());
    ByteBuffer in = bf16.order(ByteOrder.LITTLE_ENDIAN);
    while (in.hasRemaining()) {
      f32.putInt((in.getShort() & 0xFFFF) << 16);
    }
    return f32.flip();
  }

  private static void readFully(Path file, String tensor, FileChannel ch, ByteBuffer buffer, long position)
      throws IOException {
    long pos = position;
    while (buffer.hasRemaining()) {
      int n = ch.read(buffer, pos);
      if (n < 0) {
        throw new CheckpointException(
            file, tensor, "unexpected end of file at byte " + pos + " (file truncated while reading?)");
      }
      pos += n;
    }
  }
}
