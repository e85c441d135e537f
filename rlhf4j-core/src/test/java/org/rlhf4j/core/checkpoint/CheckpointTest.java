package org.rlhf4j.core.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
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
import org.rlhf4j.core.model.GptConfig;

class CheckpointTest {
  private static final GptConfig MODEL = GptConfig.of(97, 32, 2, 2, 16, 0, 1);

  @TempDir Path root;
  private NDManager manager;
  private Path tokenizer;

  @BeforeEach
  void open() throws IOException {
    manager = NDManager.newBaseManager();
    tokenizer = Files.writeString(root.resolve("source-tokenizer.json"), "{\"model\":{\"type\":\"BPE\"}}");
  }

  @AfterEach
  void close() {
    manager.close();
  }

  private Map<String, NDArray> randomParameters(boolean withScore) {
    Map<String, NDArray> p = new LinkedHashMap<>();
    Checkpoint.expectedShapes(MODEL, withScore)
        .forEach((name, shape) -> p.put(name, manager.randomNormal(0, 0.2f, shape, DataType.FLOAT32)));
    return p;
  }

  private static void assertSameTensors(Map<String, NDArray> expected, Map<String, NDArray> actual) {
    assertEquals(List.copyOf(expected.keySet()), List.copyOf(actual.keySet()));
    for (String name : expected.keySet()) {
      assertEquals(expected.get(name).getShape(), actual.get(name).getShape(), name);
      assertArrayEquals(expected.get(name).toFloatArray(), actual.get(name).toFloatArray(), name);
    }
  }

  private List<String> entries() throws IOException {
    try (Stream<Path> s = Files.list(root)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  @Test
  void expectedShapesFollowTheGpt2Layout() {
    Map<String, Shape> shapes = Checkpoint.expectedShapes(MODEL, true);
    assertEquals(2 + 12 * 2 + 2 + 1, shapes.size());
    assertEquals(new Shape(97, 16), shapes.get("wte.weight"));
    assertEquals(new Shape(16, 48), shapes.get("h.1.attn.c_attn.weight"));
    assertEquals(new Shape(64, 16), shapes.get("h.0.mlp.c_proj.weight"));
    assertEquals(new Shape(1, 16), shapes.get("score.weight"));
    long count = Checkpoint.expectedShapes(MODEL, false).values().stream().mapToLong(Shape::size).sum();
    assertEquals(MODEL.parameterCount(), count);
  }

  @Test
  void saveThenLoadGivesTheSameModelAndLeavesNoTemporaries() throws IOException {
    Path dir = root.resolve("ckpt");
    Map<String, NDArray> params = randomParameters(false);
    HfConfig config = HfConfig.of(MODEL).withExtra("rlhf4j_note", "hello");
    Checkpoint.save(dir, config, params, tokenizer);

    assertEquals(List.of("ckpt", "source-tokenizer.json"), entries(), "no temporary directories may remain");
    assertEquals(Files.readString(tokenizer), Files.readString(dir.resolve(Checkpoint.TOKENIZER_FILE)));
    assertEquals(dir.resolve(Checkpoint.TOKENIZER_FILE).toAbsolutePath(), Checkpoint.tokenizer(dir).orElseThrow());
    // HF's GPT2LMHeadModel.from_pretrained expects the transformer. prefix.
    assertTrue(SafeTensors.readHeader(dir.resolve(Checkpoint.WEIGHTS_FILE)).tensors().keySet().stream()
        .allMatch(k -> k.startsWith("transformer.")));

    Checkpoint.Loaded loaded = Checkpoint.load(dir, manager);
    assertFalse(loaded.hasScoreHead());
    assertEquals(config.model(), loaded.config().model());
    assertEquals("hello", loaded.config().extras().get("rlhf4j_note"));
    assertEquals(List.of(HfConfig.LM_ARCHITECTURE), loaded.config().architectures());
    assertSameTensors(params, loaded.parameters());
  }

  @Test
  void scoreHeadIsStoredAtTopLevelWithSingleLabelConfig() throws IOException {
    Path dir = root.resolve("rm");
    Map<String, NDArray> params = randomParameters(true);
    Checkpoint.save(dir, HfConfig.of(MODEL), params, null);
    assertTrue(SafeTensors.readHeader(dir.resolve(Checkpoint.WEIGHTS_FILE)).tensors().containsKey("score.weight"));
    Checkpoint.Loaded loaded = Checkpoint.load(dir, manager);
    assertTrue(loaded.hasScoreHead());
    assertEquals(List.of(HfConfig.SCORE_ARCHITECTURE), loaded.config().architectures());
    assertEquals(Map.of("0", "LABEL_0"), loaded.config().extras().get("id2label"));
    assertSameTensors(params, loaded.parameters());
    assertTrue(Checkpoint.tokenizer(dir).isEmpty());
  }

  @Test
  void float16StorageLoadsBackAsFloat32() throws IOException {
    Path dir = root.resolve("half");
    Map<String, NDArray> params = randomParameters(false);
    Checkpoint.save(dir, HfConfig.of(MODEL), params, null, DataType.FLOAT16, null);
    Checkpoint.Loaded loaded = Checkpoint.load(dir, manager);
    NDArray w = loaded.parameters().get("h.0.attn.c_attn.weight");
    assertEquals(DataType.FLOAT32, w.getDataType());
    float[] a = params.get("h.0.attn.c_attn.weight").toFloatArray();
    float[] b = w.toFloatArray();
    for (int i = 0; i < a.length; i++) {
      assertEquals(a[i], b[i], 1e-3f);
    }
  }

  @Test
  void resumeStateRoundTrips() throws IOException {
    Path dir = root.resolve("resume");
    NDArray m = manager.randomNormal(new Shape(97, 16));
    NDArray step = manager.create(new long[] {42});
    Checkpoint.ResumeState state = new Checkpoint.ResumeState("{\"step\": 42}", Map.of("m.wte.weight", m, "step", step));
    Checkpoint.save(dir, HfConfig.of(MODEL), randomParameters(false), tokenizer, DataType.FLOAT16, state);
    assertTrue(Checkpoint.hasResumeState(dir));
    assertFalse(Checkpoint.exists(root.resolve("nothing-here")));
    Checkpoint.ResumeState back = Checkpoint.loadResumeState(dir, manager);
    assertEquals("{\"step\": 42}", back.trainerStateJson());
    // Optimiser state is always float32, even when the weights are stored as float16.
    assertArrayEquals(m.toFloatArray(), back.optimizerState().get("m.wte.weight").toFloatArray());
    assertArrayEquals(new long[] {42}, back.optimizerState().get("step").toLongArray());
    assertEquals(2, back.optimizerState().size());

    Path plain = root.resolve("plain");
    Checkpoint.save(plain, HfConfig.of(MODEL), randomParameters(false), null);
    Checkpoint.ResumeState none = Checkpoint.loadResumeState(plain, manager);
    assertEquals(null, none.trainerStateJson());
    assertTrue(none.optimizerState().isEmpty());
  }

  @Test
  void overwritingReplacesTheOldCheckpointEntirely() throws IOException {
    Path dir = root.resolve("ckpt");
    Checkpoint.ResumeState state = new Checkpoint.ResumeState("{}", Map.of());
    Checkpoint.save(dir, HfConfig.of(MODEL), randomParameters(false), tokenizer, DataType.FLOAT32, state);
    Map<String, NDArray> second = randomParameters(false);
    Checkpoint.save(dir, HfConfig.of(MODEL), second, null);
    assertFalse(Files.exists(dir.resolve(Checkpoint.TRAINER_STATE_FILE)), "stale files from the old checkpoint must go");
    assertFalse(Files.exists(dir.resolve(Checkpoint.TOKENIZER_FILE)));
    assertSameTensors(second, Checkpoint.load(dir, manager).parameters());
    assertEquals(List.of("ckpt", "source-tokenizer.json"), entries());
  }

  @Test
  void crashWhileWritingTheTempDirectoryLeavesTheOldCheckpointLoadable() throws IOException {
    Path dir = root.resolve("ckpt");
    Map<String, NDArray> old = randomParameters(false);
    Checkpoint.save(dir, HfConfig.of(MODEL), old, tokenizer);
    // What a kill during save leaves behind: a half-written temporary sibling.
    Path partial = Files.createDirectory(root.resolve(".ckpt.tmp-00000000-dead"));
    Files.write(partial.resolve(Checkpoint.WEIGHTS_FILE), new byte[] {1, 2, 3});

    assertSameTensors(old, Checkpoint.load(dir, manager).parameters());
    Map<String, NDArray> fresh = randomParameters(false);
    Checkpoint.save(dir, HfConfig.of(MODEL), fresh, tokenizer);
    assertSameTensors(fresh, Checkpoint.load(dir, manager).parameters());
    assertEquals(List.of("ckpt", "source-tokenizer.json"), entries(), "the next save removes the leftovers");
  }

  @Test
  void crashBetweenTheTwoRenamesLeavesTheOldCheckpointLoadable() throws IOException {
    Path dir = root.resolve("ckpt");
    Map<String, NDArray> old = randomParameters(false);
    Checkpoint.save(dir, HfConfig.of(MODEL), old, tokenizer);
    // The state after "rename old aside" and before "rename new into place".
    Files.move(dir, root.resolve(".ckpt.old-00000000-dead"));
    Files.createDirectory(root.resolve(".ckpt.tmp-00000000-dead"));

    assertSameTensors(old, Checkpoint.load(dir, manager).parameters());
    assertTrue(Checkpoint.tokenizer(dir).isPresent());
    assertTrue(Checkpoint.exists(dir), "the aside checkpoint counts as existing");
    assertFalse(Checkpoint.hasResumeState(dir));
    Map<String, NDArray> fresh = randomParameters(false);
    Checkpoint.save(dir, HfConfig.of(MODEL), fresh, tokenizer);
    assertSameTensors(fresh, Checkpoint.load(dir, manager).parameters());
    assertEquals(List.of("ckpt", "source-tokenizer.json"), entries());
  }

  @Test
  void invalidParametersAreRefusedBeforeAnythingIsWritten() {
    Path dir = root.resolve("ckpt");
    Map<String, NDArray> params = randomParameters(false);
    params.put("h.1.mlp.c_fc.weight", manager.zeros(new Shape(64, 16)));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Checkpoint.save(dir, HfConfig.of(MODEL), params, tokenizer));
    assertTrue(e.getMessage().contains("h.1.mlp.c_fc.weight") && e.getMessage().contains("(16, 64)"), e.getMessage());
    assertFalse(Files.exists(dir));
  }

  @Test
  void refusesToReplaceADirectoryThatIsNotACheckpoint() throws IOException {
    Path notes = Files.createDirectory(root.resolve("notes"));
    Files.writeString(notes.resolve("todo.txt"), "precious");
    CheckpointException e = assertThrows(CheckpointException.class,
        () -> Checkpoint.save(notes, HfConfig.of(MODEL), randomParameters(false), null));
    assertTrue(e.getMessage().contains("refusing"), e.getMessage());
    assertEquals("precious", Files.readString(notes.resolve("todo.txt")));
    assertThrows(CheckpointException.class,
        () -> Checkpoint.save(tokenizer, HfConfig.of(MODEL), randomParameters(false), null));

    Path empty = Files.createDirectory(root.resolve("empty"));
    Checkpoint.save(empty, HfConfig.of(MODEL), randomParameters(false), null);
    assertTrue(Files.exists(empty.resolve(Checkpoint.CONFIG_FILE)));
  }

  // ---- loading foreign and broken checkpoints ----

  /** Writes a checkpoint directory by hand, the way another tool might. */
  private Path handWritten(String name, Map<String, NDArray> tensors) throws IOException {
    Path dir = Files.createDirectory(root.resolve(name));
    HfConfig.of(MODEL).write(dir.resolve(Checkpoint.CONFIG_FILE));
    SafeTensors.write(dir.resolve(Checkpoint.WEIGHTS_FILE), tensors, Map.of("format", "pt"), DataType.FLOAT32);
    return dir;
  }

  @Test
  void loadsHuggingFaceLayoutIgnoringTiedHeadAndMaskBuffers() throws IOException {
    Map<String, NDArray> params = randomParameters(false);
    Map<String, NDArray> hf = new LinkedHashMap<>();
    params.forEach((k, v) -> hf.put("transformer." + k, v));
    hf.put("lm_head.weight", params.get("wte.weight"));
    hf.put("transformer.h.0.attn.bias", manager.ones(new Shape(1, 1, 32, 32)));
    hf.put("h.1.attn.masked_bias", manager.create(-1e4f));
    Checkpoint.Loaded loaded = Checkpoint.load(handWritten("hf", hf), manager);
    assertSameTensors(params, loaded.parameters());

    // The hub's own gpt2 checkpoint has bare keys (saved from GPT2Model): also accepted.
    assertSameTensors(params, Checkpoint.load(handWritten("bare", params), manager).parameters());
  }

  @Test
  void missingTensorIsNamed() throws IOException {
    Map<String, NDArray> params = randomParameters(false);
    params.remove("h.1.ln_2.bias");
    CheckpointException e = assertThrows(CheckpointException.class, () -> Checkpoint.load(handWritten("m", params), manager));
    assertEquals("h.1.ln_2.bias", e.tensor().orElseThrow());
    assertTrue(e.getMessage().contains("missing") && e.getMessage().contains("model.safetensors"), e.getMessage());
  }

  @Test
  void wrongShapeIsNamedWithBothShapes() throws IOException {
    Map<String, NDArray> params = randomParameters(false);
    params.put("wpe.weight", manager.zeros(new Shape(64, 16)));
    CheckpointException e = assertThrows(CheckpointException.class, () -> Checkpoint.load(handWritten("s", params), manager));
    assertEquals("wpe.weight", e.tensor().orElseThrow());
    assertTrue(e.getMessage().contains("(64, 16)") && e.getMessage().contains("(32, 16)"), e.getMessage());
  }

  @Test
  void unexpectedAndDuplicatedTensorsAreNamed() throws IOException {
    Map<String, NDArray> extra = randomParameters(false);
    extra.put("h.2.ln_1.weight", manager.ones(new Shape(16)));
    CheckpointException e = assertThrows(CheckpointException.class, () -> Checkpoint.load(handWritten("x", extra), manager));
    assertEquals("h.2.ln_1.weight", e.tensor().orElseThrow());

    Map<String, NDArray> dup = randomParameters(false);
    dup.put("transformer.wte.weight", dup.get("wte.weight"));
    e = assertThrows(CheckpointException.class, () -> Checkpoint.load(handWritten("d", dup), manager));
    assertTrue(e.getMessage().contains("stored twice"), e.getMessage());
  }

  @Test
  void integerParameterIsRejected() throws IOException {
    Map<String, NDArray> params = randomParameters(false);
    params.put("ln_f.bias", manager.zeros(new Shape(16), DataType.INT32));
    CheckpointException e = assertThrows(CheckpointException.class, () -> Checkpoint.load(handWritten("i", params), manager));
    assertEquals("ln_f.bias", e.tensor().orElseThrow());
  }

  @Test
  void truncatedWeightsFileIsReportedNotPartiallyLoaded() throws IOException {
    Path dir = root.resolve("ckpt");
    Checkpoint.save(dir, HfConfig.of(MODEL), randomParameters(false), null);
    Path weights = dir.resolve(Checkpoint.WEIGHTS_FILE);
    byte[] bytes = Files.readAllBytes(weights);
    Files.write(weights, java.util.Arrays.copyOf(bytes, bytes.length / 2));
    CheckpointException e = assertThrows(CheckpointException.class, () -> Checkpoint.load(dir, manager));
    assertTrue(e.tensor().orElseThrow().startsWith("transformer."), e.getMessage());
  }

  @Test
  void missingDirectoryOrWeightsGiveClearErrors() throws IOException {
    CheckpointException e = assertThrows(CheckpointException.class, () -> Checkpoint.load(root.resolve("none"), manager));
    assertTrue(e.getMessage().contains("not found"), e.getMessage());
    Path dir = Files.createDirectory(root.resolve("pickle"));
    HfConfig.of(MODEL).write(dir.resolve(Checkpoint.CONFIG_FILE));
    Files.write(dir.resolve("pytorch_model.bin"), new byte[] {0});
    e = assertThrows(CheckpointException.class, () -> Checkpoint.load(dir, manager));
    assertTrue(e.getMessage().contains("safe_serialization=True"), e.getMessage());
  }
}
