package org.rlhf4j.world;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.rlhf4j.world.corpus.CorpusBuilder;
import org.rlhf4j.world.corpus.CorpusBuilder.Entry;
import org.rlhf4j.world.corpus.Lexicon;
import org.rlhf4j.world.corpus.Sense;

/**
 * The embedded instruction world (issue 4): a prompt distribution over WordNet facts in three
 * disjoint splits, each prompt with a demonstration, plus the gold judge and the labeler pools.
 *
 * <p>Tasks only ask about senses in the pretraining corpus's train split, so the facts are ones
 * the base model could have learned. The split of a task is decided by its target word (harm bait:
 * by its WordNet sense), so train, validation and evaluation share no prompt and no word.
 */
public final class World {

  private final Lexicon lexicon;
  private final WorldConfig config;
  private final Map<Split, List<Task>> tasks = new EnumMap<>(Split.class);
  private final Map<Split, List<Task>> harmBait = new EnumMap<>(Split.class);
  private final Map<String, Task> byId = new HashMap<>();
  private final Map<String, Task> byPrompt = new HashMap<>();
  private final GoldJudge judge;
  private final LabelerPool labelers;

  private World(Lexicon lexicon, WorldConfig config) {
    this.lexicon = lexicon;
    this.config = config;
    this.judge = new GoldJudge(lexicon);
    this.labelers = LabelerPool.standard(judge);
    build();
  }

  /** The world over the shared WordNet view. */
  public static World create(WorldConfig config) throws IOException {
    return new World(Lexicon.wordNet(), config);
  }

  /** The world over the given lexicon. */
  public static World create(Lexicon lexicon, WorldConfig config) {
    return new World(lexicon, config);
  }

  public Lexicon lexicon() {
    return lexicon;
  }

  public WorldConfig config() {
    return config;
  }

  /** The prompts of a split, in a fixed shuffled order, ids {@code <split>-NNNNN}. */
  public List<Task> tasks(Split split) {
    return tasks.get(split);
  }

  /**
   * Every harm-bait task of a split (all three variants of every text of its toxic senses), not
   * only the share drawn into {@link #tasks(Split)}: the dedicated toxicity evaluation, as the
   * paper ran RealToxicityPrompts apart from its API prompt distribution. Ids {@code
   * tox-<split>-NNNNN}; the order is fixed, variants of one text adjacent.
   */
  public List<Task> harmBait(Split split) {
    return harmBait.get(split);
  }

  /** The task with this id; IllegalArgumentException if none. */
  public Task task(String id) {
    Task t = byId.get(id);
    if (t == null) {
      throw new IllegalArgumentException("no world task with id '" + id + "'");
    }
    return t;
  }

  /** The task whose formatted prompt this is, or null (e.g. a prompt from elsewhere). */
  public Task taskForPrompt(String prompt) {
    return byPrompt.get(prompt);
  }

  /** The gold judge (never shown to the reward model or the policy). */
  public GoldJudge judge() {
    return judge;
  }

  /** The simulated labelers: a training pool and a disjoint held-out pool. */
  public LabelerPool labelers() {
    return labelers;
  }

  /** The split that a target word's tasks belong to. */
  public Split splitOfWord(String word) {
    return splitOf("w:" + word);
  }

  /**
   * Harm bait comes from only about 35 toxic senses, so it is split 60/20/20 by sense: evaluation
   * needs enough of it to measure toxicity per variant.
   */
  private Split harmSplitOf(String senseId) {
    double u = unit(config.seed(), "s:" + senseId);
    return u < 0.2 ? Split.EVAL : u < 0.4 ? Split.VALID : Split.TRAIN;
  }

  private Split splitOf(String key) {
    double u = unit(config.seed(), key);
    if (u < config.evalWordFraction()) {
      return Split.EVAL;
    }
    if (u < config.evalWordFraction() + config.validWordFraction()) {
      return Split.VALID;
    }
    return Split.TRAIN;
  }

  private static double unit(long seed, String key) {
    long h = seed * 0x9E3779B97F4A7C15L + key.hashCode() * 0xC2B2AE3D27D4EB4FL;
    h ^= h >>> 33;
    h *= 0xff51afd7ed558ccdL;
    h ^= h >>> 33;
    h *= 0xc4ceb9fe1a85ec53L;
    h ^= h >>> 33;
    return (h >>> 11) * 0x1.0p-53;
  }

  private void build() {
    TaskFactory factory = new TaskFactory(lexicon);
    List<Entry> entries = new ArrayList<>();
    for (Entry e : CorpusBuilder.select(lexicon, config.corpus())) {
      if (!e.sense().toxic() && !CorpusBuilder.isValidation(e.sense().id(), config.corpus())) {
        entries.add(e);
      }
    }
    Random rng = new Random(config.seed());
    Collections.shuffle(entries, rng);
    Map<Split, Map<Category, List<Task>>> buckets = new EnumMap<>(Split.class);
    for (Split sp : Split.values()) {
      Map<Category, List<Task>> m = new EnumMap<>(Category.class);
      for (Category c : Category.values()) {
        m.put(c, new ArrayList<>());
      }
      buckets.put(sp, m);
    }
    Set<String> seenPrompts = new HashSet<>();
    for (Entry e : entries) {
      Split sp = splitOfWord(e.word());
      for (Category c : Category.values()) {
        if (c == Category.HARM_BAIT) {
          continue;
        }
        // Held-out phrasings only for evaluation prompts: nothing trained on contains them.
        Task t = factory.make(c, e, rng, sp == Split.EVAL);
        if (t != null && seenPrompts.add(t.prompt())) {
          buckets.get(sp).get(c).add(t);
        }
      }
    }
    // Harm bait: the three variants of one text stay together, split by the toxic sense.
    List<Sense> toxic = new ArrayList<>(lexicon.toxicSenses());
    Collections.shuffle(toxic, rng);
    for (Sense s : toxic) {
      List<Task> group = factory.harmBait(s);
      if (!group.isEmpty() && seenPrompts.add(group.get(0).prompt())) {
        buckets.get(harmSplitOf(s.id())).get(Category.HARM_BAIT).addAll(group);
      }
    }
    for (Split sp : Split.values()) {
      harmBait.put(sp, numbered(buckets.get(sp).get(Category.HARM_BAIT), "tox-" + sp.name().toLowerCase()));
    }
    Map<Split, Integer> sizes =
        Map.of(
            Split.TRAIN, config.trainPrompts(),
            Split.VALID, config.validPrompts(),
            Split.EVAL, config.evalPrompts());
    for (Split sp : Split.values()) {
      List<Task> drawn = new ArrayList<>();
      int n = sizes.get(sp);
      for (Category c : Category.values()) {
        List<Task> bucket = buckets.get(sp).get(c);
        int want = (int) Math.round(c.weight() * n);
        drawn.addAll(bucket.subList(0, Math.min(want, bucket.size())));
      }
      Collections.shuffle(drawn, new Random(config.seed() + sp.ordinal() + 1));
      List<Task> numbered = numbered(drawn, sp.name().toLowerCase());
      for (Task t : numbered) {
        byId.put(t.id(), t);
        byPrompt.put(t.prompt(), t);
      }
      tasks.put(sp, numbered);
    }
  }

  /** The tasks renamed {@code <prefix>-00000}, {@code <prefix>-00001}, ... in order. */
  private static List<Task> numbered(List<Task> tasks, String prefix) {
    List<Task> out = new ArrayList<>(tasks.size());
    for (int i = 0; i < tasks.size(); i++) {
      out.add(tasks.get(i).withId(String.format("%s-%05d", prefix, i)));
    }
    return List.copyOf(out);
  }
}
