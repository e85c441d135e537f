package org.rlhf4j.world;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.rlhf4j.world.corpus.Corpus;
import org.rlhf4j.world.corpus.CorpusBuilder;
import org.rlhf4j.world.corpus.English;

/**
 * Realistic candidate responses for a task, without a model: what a mix of base, SFT and RL
 * policies produces. Used to measure labeler agreement on fresh samples and to export synthetic
 * rankings. Kinds (drawn uniformly, repeats avoided):
 *
 * <ul>
 *   <li>the demonstration itself;
 *   <li>another task's demonstration of the same category (right format, wrong facts);
 *   <li>the demonstration with one content word replaced by a random common word (a wrong fact);
 *   <li>the demonstration truncated, or with a word dropped;
 *   <li>the demonstration followed by rambling corpus text, or with a phrase repeated;
 *   <li>a stretch of pretraining text (the base model continuing instead of answering);
 *   <li>an echo of the instruction format (another base-model habit);
 *   <li>rarely, the demonstration with a toxic word inserted.
 * </ul>
 */
public final class ResponseSampler {

  private final World world;
  private final List<String> corpus;
  private final List<String> commonWords;

  public ResponseSampler(World world, List<String> corpusDocuments) {
    if (corpusDocuments.isEmpty()) {
      throw new IllegalArgumentException("corpusDocuments must not be empty");
    }
    this.world = world;
    this.corpus = corpusDocuments;
    this.commonWords = world.lexicon().commonWords(world.config().corpus().commonWords());
  }

  /** A sampler over the world's own pretraining corpus (rendered once, about a second). */
  public static ResponseSampler create(World world) {
    Corpus corpus = CorpusBuilder.build(world.lexicon(), world.config().corpus());
    return new ResponseSampler(world, corpus.train());
  }

  /** K distinct responses to the task (K = 2..9), the demonstration always among them. */
  public List<String> sample(Task task, int k, Random rng) {
    if (k < 2 || k > 9) {
      throw new IllegalArgumentException("k must be 2..9, got " + k);
    }
    List<String> out = new ArrayList<>();
    out.add(task.demonstration());
    int guard = 0;
    while (out.size() < k && guard++ < 100) {
      String r = one(task, rng);
      if (!r.isBlank() && !out.contains(r)) {
        out.add(r);
      }
    }
    // Pad with truncations of different lengths if the kinds ran out (very short demos).
    int cut = 1;
    while (out.size() < k) {
      out.add(task.demonstration() + " " + "and so on ".repeat(cut++).strip());
    }
    java.util.Collections.shuffle(out, rng);
    return out;
  }

  /** One response of a random kind. */
  public String one(Task task, Random rng) {
    String demo = task.demonstration();
    String[] words = demo.split("\\s+");
    return switch (rng.nextInt(10)) {
      case 0 -> demo;
      case 1 -> otherDemo(task, rng);
      case 2, 3 -> wrongFact(words, rng);
      case 4 -> words.length > 1
          ? String.join(" ", Arrays.copyOf(words, Math.max(1, words.length / 2)))
          : corpusText(rng, 8);
      case 5 -> demo + " " + corpusText(rng, 10 + rng.nextInt(20));
      case 6 -> corpusText(rng, 8 + rng.nextInt(20));
      case 7 -> repeatOrDrop(words, rng);
      case 8 -> rng.nextBoolean()
          ? task.instruction() + " " + demo
          : demo + " Instruction: " + task.instruction();
      default -> rng.nextInt(4) == 0 ? toxic(words, rng) : otherDemo(task, rng);
    };
  }

  private String otherDemo(Task task, Random rng) {
    List<Task> pool = world.tasks(Split.TRAIN);
    for (int tries = 0; tries < 50; tries++) {
      Task other = pool.get(rng.nextInt(pool.size()));
      if (other.category() == task.category() && !other.id().equals(task.id())) {
        return other.demonstration();
      }
    }
    return pool.get(rng.nextInt(pool.size())).demonstration();
  }

  private String wrongFact(String[] words, Random rng) {
    String[] copy = words.clone();
    List<Integer> content = new ArrayList<>();
    for (int i = 0; i < copy.length; i++) {
      String t = copy[i].replaceAll("[^A-Za-z'-]", "").toLowerCase();
      if (!t.isEmpty() && !Words.FUNCTION_WORDS.contains(t)) {
        content.add(i);
      }
    }
    if (content.isEmpty()) {
      return String.join(" ", copy) + " " + commonWords.get(rng.nextInt(commonWords.size()));
    }
    int i = content.get(rng.nextInt(content.size()));
    String trailing = copy[i].replaceAll("^.*?([^A-Za-z'-]*)$", "$1");
    copy[i] = commonWords.get(rng.nextInt(commonWords.size())) + trailing;
    return String.join(" ", copy);
  }

  private String repeatOrDrop(String[] words, Random rng) {
    List<String> list = new ArrayList<>(Arrays.asList(words));
    if (rng.nextBoolean() && list.size() > 2) {
      list.remove(rng.nextInt(list.size()));
    } else {
      int at = rng.nextInt(list.size());
      int len = Math.min(1 + rng.nextInt(3), list.size() - at);
      List<String> phrase = new ArrayList<>(list.subList(at, at + len));
      for (int r = 0; r < 1 + rng.nextInt(3); r++) {
        list.addAll(at, phrase);
      }
    }
    return String.join(" ", list);
  }

  private String toxic(String[] words, Random rng) {
    List<String> toxic = new ArrayList<>(world.lexicon().toxicWords());
    List<String> list = new ArrayList<>(Arrays.asList(words));
    list.add(rng.nextInt(list.size() + 1), toxic.get(rng.nextInt(toxic.size())));
    return String.join(" ", list);
  }

  private String corpusText(Random rng, int maxWords) {
    String doc = corpus.get(rng.nextInt(corpus.size()));
    String[] w = doc.split("\\s+");
    int start = rng.nextInt(Math.max(1, w.length - 4));
    int end = Math.min(w.length, start + maxWords);
    return English.capitalize(String.join(" ", Arrays.copyOfRange(w, start, end)));
  }
}
