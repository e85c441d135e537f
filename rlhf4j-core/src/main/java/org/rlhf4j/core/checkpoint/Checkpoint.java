package org.rlhf4j.core.checkpoint;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.rlhf4j.core.model.GptConfig;

/**
 * A model checkpoint: a directory in Hugging Face layout.
 *
 * <pre>
 * dir/
 *   config.json              GPT-2 config (+ our extras), see {@link HfConfig}
 *   model.safetensors        weights, keys "transformer.&lt;name&gt;" (+ "score.weight")
 *   tokenizer.json           copied from the tokenizer the model was trained with (optional)
 *   trainer_state.json       resume only: the trainer's own JSON (optional)
 *   optimizer.safetensors    resume only: optimiser moments, float32 (optional)
 * </pre>
 *
 * <p>Parameter maps use the bare Hugging Face GPT-2 names ({@code wte.weight}, {@code
 * h.0.attn.c_attn.weight}, ..., {@code score.weight}) in HF's Conv1D layout, (in, out). Saving
 * adds the {@code transformer.} prefix that {@code GPT2LMHeadModel} and {@code
 * GPT2ForSequenceClassification} use, so {@code from_pretrained} loads our directories as they
 * are; loading accepts both prefixed and bare keys (the hub's {@code gpt2} checkpoint is bare).
 *
 * <p><b>Atomicity.</b> {@link #save} builds the complete new checkpoint in a hidden temporary
 * sibling {@code .<name>.tmp-<uuid>}, then renames the old directory aside to {@code
 * .<name>.old-<uuid>}, renames the new one into place, and only then deletes the old one. A kill
 * at any moment leaves a complete checkpoint: before the first rename the old one is untouched;
 * between the two renames {@code dir} is briefly absent and {@link #load} reads the complete old
 * one from its aside name (and the next {@link #save} moves it back); afterwards the new one is in
 * place. Leftover temporary directories are deleted by the next save. Concurrent saves to the same
 * directory are not supported. Saving replaces the whole directory (files we did not write, such
 * as a README, are not carried over), and therefore refuses to replace a non-empty directory that
 * has no {@code config.json} or has subdirectories.
 *
 * <p>Arrays returned by {@link #load} live in the caller's manager; the caller closes them.
 */
public final class Checkpoint {
  public static final String CONFIG_FILE = "config.json";
  public static final String WEIGHTS_FILE = "model.safetensors";
  public static final String TOKENIZER_FILE = "tokenizer.json";
  public static final String TRAINER_STATE_FILE = "trainer_state.json";
  public static final String OPTIMIZER_FILE = "optimizer.safetensors";

  /** A PEFT adapter directory's config; such a directory may be replaced like a checkpoint. */
  static final String ADAPTER_CONFIG_FILE = "adapter_config.json";

  /** Parameter name of the scalar (reward/value) head, as in HF GPT2ForSequenceClassification. */
  public static final String SCORE_WEIGHT = "score.weight";

  /** Prefix HF's GPT2LMHeadModel / GPT2ForSequenceClassification put before the body's keys. */
  static final String PREFIX = "transformer.";

  /**
   * Non-parameter tensors HF GPT-2 checkpoints may hold and we ignore: the causal-mask buffers
   * {@code attn.bias}/{@code attn.masked_bias} (saved by older transformers versions), and {@code
   * lm_head.weight}, a copy of {@code wte.weight} because the head is tied.
   */
  private static final Pattern IGNORED =
      Pattern.compile("(transformer\\.)?h\\.\\d+\\.attn\\.(bias|masked_bias)|lm_head\\.weight");

  private static final String TMP_TAG = "tmp";
  private static final String OLD_TAG = "old";

  private Checkpoint() {}

  /**
   * A loaded checkpoint.
   *
   * @param config the parsed {@code config.json}
   * @param parameters bare-named parameters in {@link #expectedShapes} order, float32
   * @param hasScoreHead whether {@code score.weight} is among them
   */
  public record Loaded(HfConfig config, Map<String, NDArray> parameters, boolean hasScoreHead) {
    public Loaded {
      parameters = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(parameters));
    }
  }

  /**
   * What a trainer needs to resume besides the weights.
   *
   * @param trainerStateJson contents of {@code trainer_state.json} (step, RNG seed, schedule...),
   *     or null for none
   * @param optimizerState optimiser tensors (e.g. AdamW moments keyed {@code m.<param>}), stored
   *     float32 so resuming is exact; empty for none
   */
  public record ResumeState(String trainerStateJson, Map<String, NDArray> optimizerState) {
    public ResumeState {
      optimizerState = optimizerState == null ? Map.of() : Map.copyOf(optimizerState);
    }
  }

  /**
   * The parameter names and shapes of a GPT-2 with {@code config}'s shape, in model order: wte
   * (V,C), wpe (P,C), then per block ln_1 (C), attn.c_attn (C,3C)+(3C), attn.c_proj (C,C)+(C),
   * ln_2 (C), mlp.c_fc (C,4C)+(4C), mlp.c_proj (4C,C)+(C); ln_f (C); and score.weight (1,C) when
   * {@code withScoreHead}. Weights are in HF Conv1D layout (in, out).
   */
  public static Map<String, Shape> expectedShapes(GptConfig config, boolean withScoreHead) {
    long c = config.width();
    Map<String, Shape> shapes = new LinkedHashMap<>();
    shapes.put("wte.weight", new Shape(config.vocabSize(), c));
    shapes.put("wpe.weight", new Shape(config.contextLength(), c));
    for (int i = 0; i < config.layers(); i++) {
      String h = "h." + i + ".";
      shapes.put(h + "ln_1.weight", new Shape(c));
      shapes.put(h + "ln_1.bias", new Shape(c));
      shapes.put(h + "attn.c_attn.weight", new Shape(c, 3 * c));
      shapes.put(h + "attn.c_attn.bias", new Shape(3 * c));
      shapes.put(h + "attn.c_proj.weight", new Shape(c, c));
      shapes.put(h + "attn.c_proj.bias", new Shape(c));
      shapes.put(h + "ln_2.weight", new Shape(c));
      shapes.put(h + "ln_2.bias", new Shape(c));
      shapes.put(h + "mlp.c_fc.weight", new Shape(c, 4 * c));
      shapes.put(h + "mlp.c_fc.bias", new Shape(4 * c));
      shapes.put(h + "mlp.c_proj.weight", new Shape(4 * c, c));
      shapes.put(h + "mlp.c_proj.bias", new Shape(c));
    }
    shapes.put("ln_f.weight", new Shape(c));
    shapes.put("ln_f.bias", new Shape(c));
    if (withScoreHead) {
      shapes.put(SCORE_WEIGHT, new Shape(1, c));
    }
    return shapes;
  }

  /** Saves weights and config (float32 storage, no resume state). */
  public static void save(Path dir, HfConfig config, Map<String, NDArray> parameters, Path tokenizerJson)
      throws IOException {
    save(dir, config, parameters, tokenizerJson, DataType.FLOAT32, null);
  }

  /**
   * Saves a checkpoint atomically (see the class comment).
   *
   * @param dir the checkpoint directory; replaced if it exists
   * @param config config to write; {@code architectures} is set from the presence of the score
   *     head, and a score-head model gets HF's single-label keys ({@code id2label}, {@code
   *     label2id}) unless present, so {@code GPT2ForSequenceClassification} builds a (1, C) head
   * @param parameters bare-named parameters; must match {@link #expectedShapes} exactly, with or
   *     without {@code score.weight}
   * @param tokenizerJson tokenizer file to copy in, or null for none
   * @param storage FLOAT32, or FLOAT16 to halve the weights file (loading restores float32)
   * @param resume trainer and optimiser state, or null
   * @throws IllegalArgumentException when parameters do not match the config
   */
  public static void save(
      Path dir,
      HfConfig config,
      Map<String, NDArray> parameters,
      Path tokenizerJson,
      DataType storage,
      ResumeState resume)
      throws IOException {
    boolean withScore = parameters.containsKey(SCORE_WEIGHT);
    checkParameters(config.model(), parameters, withScore);
    if (tokenizerJson != null && !Files.isRegularFile(tokenizerJson)) {
      throw new NoSuchFileException(tokenizerJson.toString(), null, "tokenizer file to copy");
    }
    HfConfig toWrite = withArchitecture(config, withScore);

    replaceDirectory(dir, tmp -> {
      toWrite.write(tmp.resolve(CONFIG_FILE));
      Map<String, NDArray> prefixed = new LinkedHashMap<>();
      parameters.forEach((name, array) -> prefixed.put(SCORE_WEIGHT.equals(name) ? name : PREFIX + name, array));
      SafeTensors.write(tmp.resolve(WEIGHTS_FILE), prefixed, Map.of("format", "pt"), storage);
      if (tokenizerJson != null) {
        copyDurably(tokenizerJson, tmp.resolve(TOKENIZER_FILE));
      }
      writeResumeState(tmp, resume);
    });
  }

  /** Writes the files of a new checkpoint into an empty temporary directory. */
  @FunctionalInterface
  interface DirectoryWriter {
    void write(Path emptyDirectory) throws IOException;
  }

  /**
   * Replaces {@code dir} with the directory {@code body} writes, atomically (see the class
   * comment): body writes into a hidden temporary sibling, which is renamed into place.
   */
  static void replaceDirectory(Path dir, DirectoryWriter body) throws IOException {
    Path target = dir.toAbsolutePath().normalize();
    Path parent = target.getParent();
    Files.createDirectories(parent);
    recover(target);
    refuseToReplaceNonCheckpoint(target);
    deleteLeftovers(target);

    Path tmp = AtomicFiles.tempSibling(target, TMP_TAG);
    boolean placed = false;
    try {
      Files.createDirectory(tmp);
      body.write(tmp);
      AtomicFiles.fsyncDirectory(tmp);

      Path old = null;
      if (Files.exists(target)) {
        old = AtomicFiles.tempSibling(target, OLD_TAG);
        AtomicFiles.moveAtomically(target, old);
      }
      AtomicFiles.moveAtomically(tmp, target);
      placed = true;
      AtomicFiles.fsyncDirectory(parent);
      if (old != null) {
        AtomicFiles.deleteRecursively(old);
      }
    } finally {
      if (!placed) {
        AtomicFiles.deleteRecursively(tmp);
      }
    }
  }

  /** Copies a file and forces it to disk. */
  static void copyDurably(Path from, Path to) throws IOException {
    Files.copy(from, to, StandardCopyOption.REPLACE_EXISTING);
    try (var ch = java.nio.channels.FileChannel.open(to, java.nio.file.StandardOpenOption.WRITE)) {
      ch.force(true);
    }
  }

  /** Writes {@code trainer_state.json} and {@code optimizer.safetensors} when there is state. */
  static void writeResumeState(Path dir, ResumeState resume) throws IOException {
    if (resume != null && resume.trainerStateJson() != null) {
      AtomicFiles.writeString(dir.resolve(TRAINER_STATE_FILE), resume.trainerStateJson());
    }
    if (resume != null && !resume.optimizerState().isEmpty()) {
      SafeTensors.write(dir.resolve(OPTIMIZER_FILE), resume.optimizerState(), Map.of(), DataType.FLOAT32);
    }
  }

  /**
   * Loads config and weights into {@code manager}: strips the {@code transformer.} prefix, drops
   * {@code lm_head.weight} and the attention-mask buffers, and checks every parameter against
   * {@link #expectedShapes}. A score head is loaded when {@code score.weight} is present.
   *
   * @throws CheckpointException naming the file and tensor for missing, unexpected, duplicated or
   *     mis-shaped tensors and any corruption of the files
   */
  public static Loaded load(Path dir, NDManager manager) throws IOException {
    Path source = resolveForLoad(dir.toAbsolutePath().normalize());
    HfConfig config = HfConfig.read(source.resolve(CONFIG_FILE));
    Path weights = source.resolve(WEIGHTS_FILE);
    if (!Files.exists(weights)) {
      throw new CheckpointException(weights, missingWeightsHint(source));
    }
    Map<String, NDArray> raw = SafeTensors.read(weights, manager, name -> !IGNORED.matcher(name).matches());
    boolean ok = false;
    try {
      Map<String, NDArray> bare = new LinkedHashMap<>();
      for (Map.Entry<String, NDArray> e : raw.entrySet()) {
        String name = e.getKey().startsWith(PREFIX) ? e.getKey().substring(PREFIX.length()) : e.getKey();
        if (bare.put(name, e.getValue()) != null) {
          throw new CheckpointException(
              weights, e.getKey(), "stored twice, with and without the '" + PREFIX + "' prefix");
        }
      }
      boolean withScore = bare.containsKey(SCORE_WEIGHT);
      Map<String, Shape> expected = expectedShapes(config.model(), withScore);
      Mismatch problem = describeMismatch(expected, bare);
      if (problem != null) {
        throw new CheckpointException(weights, problem.tensor(), problem.message());
      }
      Map<String, NDArray> ordered = new LinkedHashMap<>();
      for (String name : expected.keySet()) {
        NDArray a = bare.get(name);
        checkFinite(weights, name, a);
        a.setName(name);
        ordered.put(name, a);
      }
      ok = true;
      return new Loaded(config, ordered, withScore);
    } finally {
      if (!ok) {
        raw.values().forEach(NDArray::close);
      }
    }
  }

  /** The resume state saved with a checkpoint; arrays in {@code manager}, empty parts if absent. */
  public static ResumeState loadResumeState(Path dir, NDManager manager) throws IOException {
    Path source = resolveForLoad(dir.toAbsolutePath().normalize());
    Path state = source.resolve(TRAINER_STATE_FILE);
    String json = Files.exists(state) ? Files.readString(state) : null;
    Path optimizer = source.resolve(OPTIMIZER_FILE);
    Map<String, NDArray> moments = Files.exists(optimizer) ? SafeTensors.read(optimizer, manager) : Map.of();
    return new ResumeState(json, moments);
  }

  /**
   * The {@code trainer_state.json} of the checkpoint (see {@link #exists}), read through the same
   * fallback as {@link #load}: a save killed between its two renames leaves it under the aside
   * name, so callers must not read {@code dir/trainer_state.json} directly.
   */
  public static Optional<String> readTrainerState(Path dir) throws IOException {
    if (!exists(dir)) {
      return Optional.empty();
    }
    Path state = resolveForLoad(dir.toAbsolutePath().normalize()).resolve(TRAINER_STATE_FILE);
    return Files.isRegularFile(state) ? Optional.of(Files.readString(state)) : Optional.empty();
  }

  /**
   * NaN or infinite weights load without complaint and only show later, as "Index -1 out of
   * bounds" when sampling or a model that prints one token forever (issue 16).
   */
  private static void checkFinite(Path file, String tensor, NDArray a) throws CheckpointException {
    boolean nan;
    boolean inf;
    try (NDArray isNan = a.isNaN(); NDArray anyNan = isNan.any();
        NDArray isInf = a.isInfinite(); NDArray anyInf = isInf.any()) {
      nan = anyNan.getBoolean();
      inf = anyInf.getBoolean();
    }
    if (nan || inf) {
      throw new CheckpointException(file, tensor, "holds " + (nan ? "NaN" : "infinite")
          + " values; the checkpoint is broken (a diverged run?). Use an earlier checkpoint");
    }
  }

  /**
   * Whether {@code dir} holds a loadable checkpoint (config and weights), counting one left under
   * its aside name by a save killed between its two renames. Use this rather than testing for
   * files in {@code dir}, which would miss that case.
   */
  public static boolean exists(Path dir) throws IOException {
    Path abs = dir.toAbsolutePath().normalize();
    Path source = Files.isDirectory(abs) ? abs : newestSibling(abs, OLD_TAG).orElse(abs);
    boolean model = Files.isRegularFile(source.resolve(CONFIG_FILE)) && (Files.isRegularFile(source.resolve(WEIGHTS_FILE))
        || Files.isRegularFile(source.resolve(LlamaCheckpoint.INDEX_FILE)));
    // A LoRA adapter directory (PEFT layout) saved by a LoRA run counts too.
    boolean adapter = Files.isRegularFile(source.resolve(ADAPTER_CONFIG_FILE))
        && Files.isRegularFile(source.resolve("adapter_model.safetensors"));
    return model || adapter;
  }

  /** Whether the checkpoint (see {@link #exists}) carries a {@code trainer_state.json}. */
  public static boolean hasResumeState(Path dir) throws IOException {
    if (!exists(dir)) {
      return false;
    }
    return Files.isRegularFile(resolveForLoad(dir.toAbsolutePath().normalize()).resolve(TRAINER_STATE_FILE));
  }

  /** The checkpoint's tokenizer file, if it has one. */
  public static Optional<Path> tokenizer(Path dir) throws IOException {
    Path file = resolveForLoad(dir.toAbsolutePath().normalize()).resolve(TOKENIZER_FILE);
    return Files.isRegularFile(file) ? Optional.of(file) : Optional.empty();
  }

  /**
   * Throws if {@code parameters} do not match {@link #expectedShapes}; called before saving so a
   * wrong map never reaches disk.
   */
  static void checkParameters(GptConfig model, Map<String, NDArray> parameters, boolean withScore) {
    Mismatch problem = describeMismatch(expectedShapes(model, withScore), parameters);
    if (problem != null) {
      throw new IllegalArgumentException(
          "cannot save: tensor '" + problem.tensor() + "' " + problem.message());
    }
  }

  /** A tensor that does not fit the expected parameter set, and why. */
  private record Mismatch(String tensor, String message) {}

  /**
   * The first mismatch, or null. Missing names are listed together so a user loading the wrong
   * architecture sees the pattern at once.
   */
  private static Mismatch describeMismatch(Map<String, Shape> expected, Map<String, NDArray> actual) {
    List<String> missing = new ArrayList<>();
    for (String name : expected.keySet()) {
      if (!actual.containsKey(name)) {
        missing.add(name);
      }
    }
    if (!missing.isEmpty()) {
      String list = missing.size() <= 8 ? missing.toString()
          : missing.subList(0, 8) + " and " + (missing.size() - 8) + " more";
      return new Mismatch(missing.get(0), "missing (" + missing.size() + " expected tensors missing: " + list + ")");
    }
    for (Map.Entry<String, NDArray> e : actual.entrySet()) {
      String name = e.getKey();
      Shape want = expected.get(name);
      if (want == null) {
        return new Mismatch(name, "unexpected tensor: a GPT-2 with this config has no parameter of that name");
      }
      NDArray a = e.getValue();
      if (!a.getShape().equals(want)) {
        return new Mismatch(name, "has shape " + a.getShape() + " but the config needs " + want);
      }
      if (!a.getDataType().isFloating()) {
        return new Mismatch(name, "has dtype " + a.getDataType() + "; parameters must be floating point");
      }
    }
    return null;
  }

  /**
   * Saving replaces {@code dir} wholesale, so a typo such as {@code --out ~} must not delete a
   * directory that is not a checkpoint: only an empty directory, or one holding a {@code
   * config.json} and no subdirectories, may be replaced.
   */
  private static void refuseToReplaceNonCheckpoint(Path dir) throws IOException {
    if (!Files.exists(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    if (!Files.isDirectory(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      throw new CheckpointException(dir, "exists and is not a directory; refusing to replace it");
    }
    boolean empty;
    boolean hasSubdirectory;
    try (var entries = Files.list(dir)) {
      List<Path> all = entries.toList();
      empty = all.isEmpty();
      hasSubdirectory = all.stream().anyMatch(Files::isDirectory);
    }
    boolean marked = Files.isRegularFile(dir.resolve(CONFIG_FILE)) || Files.isRegularFile(dir.resolve(ADAPTER_CONFIG_FILE));
    if (!empty && (hasSubdirectory || !marked)) {
      throw new CheckpointException(
          dir, "is not empty and does not look like a checkpoint (no config.json, or has "
              + "subdirectories); refusing to replace it. Choose a new or empty directory");
    }
  }

  private static HfConfig withArchitecture(HfConfig config, boolean withScore) {
    HfConfig out = config.withArchitectures(List.of(withScore ? HfConfig.SCORE_ARCHITECTURE : HfConfig.LM_ARCHITECTURE));
    if (withScore && !config.extras().containsKey("id2label")) {
      // HF's PretrainedConfig defaults to two labels; without these keys
      // GPT2ForSequenceClassification would build a (2, C) head and refuse our (1, C) weights.
      out = out.withExtra("id2label", Map.of("0", "LABEL_0")).withExtra("label2id", Map.of("LABEL_0", 0));
    }
    return out;
  }

  private static String missingWeightsHint(Path dir) {
    if (Files.exists(dir.resolve("pytorch_model.bin"))) {
      return "not found; the checkpoint has only pytorch_model.bin (pickle), which we do not read. "
          + "Convert it in Python: model.save_pretrained(dir, safe_serialization=True)";
    }
    if (Files.exists(dir.resolve("model.safetensors.index.json"))) {
      return "not found; sharded checkpoints (model.safetensors.index.json) are not supported. "
          + "Re-save unsharded: model.save_pretrained(dir, max_shard_size=\"100GB\")";
    }
    return "not found";
  }

  /**
   * Where to load from: {@code dir} itself, or, when a save was killed between its two renames,
   * the complete old checkpoint waiting under its aside name.
   */
  private static Path resolveForLoad(Path dir) throws IOException {
    if (Files.isDirectory(dir)) {
      return dir;
    }
    Optional<Path> aside = newestSibling(dir, OLD_TAG);
    if (aside.isPresent()) {
      return aside.get();
    }
    throw new CheckpointException(dir, "checkpoint directory not found");
  }

  /** Completes an interrupted save by moving the old checkpoint back if {@code dir} is absent. */
  private static void recover(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      Optional<Path> aside = newestSibling(dir, OLD_TAG);
      if (aside.isPresent()) {
        AtomicFiles.moveAtomically(aside.get(), dir);
      }
    }
  }

  /** Deletes temporary and aside directories left by interrupted saves of {@code dir}. */
  private static void deleteLeftovers(Path dir) throws IOException {
    for (Path p : siblings(dir, TMP_TAG)) {
      AtomicFiles.deleteRecursively(p);
    }
    for (Path p : siblings(dir, OLD_TAG)) {
      AtomicFiles.deleteRecursively(p);
    }
  }

  private static Optional<Path> newestSibling(Path dir, String tag) throws IOException {
    List<Path> found = siblings(dir, tag);
    found.sort(Comparator.comparing(p -> {
      try {
        return Files.getLastModifiedTime(p);
      } catch (IOException e) {
        return java.nio.file.attribute.FileTime.fromMillis(0);
      }
    }));
    return found.isEmpty() ? Optional.empty() : Optional.of(found.get(found.size() - 1));
  }

  /** Siblings named {@code .<name>.<tag>-<uuid>} (see {@link AtomicFiles#tempSibling}). */
  static List<Path> siblings(Path dir, String tag) throws IOException {
    Path parent = dir.getParent();
    String prefix = "." + dir.getFileName() + "." + tag + "-";
    List<Path> out = new ArrayList<>();
    if (parent == null || !Files.isDirectory(parent)) {
      return out;
    }
    try (DirectoryStream<Path> stream = Files.newDirectoryStream(parent, p -> p.getFileName().toString().startsWith(prefix))) {
      stream.forEach(out::add);
    }
    return out;
  }
}
