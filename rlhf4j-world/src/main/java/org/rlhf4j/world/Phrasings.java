package org.rlhf4j.world;

import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The instruction templates (phrasings) of each task kind, some of them <b>held out</b> (issue
 * 15): a held-out phrasing is used only by evaluation prompts, never by the train or validation
 * splits, so nothing the models train on (SFT demonstrations, ranking and PPO prompts, the world
 * export's training files) contains it. Evaluation prompts draw from every phrasing of their kind,
 * so the evaluation set holds both, and correctness on held-out phrasings measures whether
 * instruction following generalises beyond the wording it was taught (docs/world.md).
 *
 * <p>Placeholders: {@code {w}} the word, {@code {aw}} / {@code {Aw}} the word with its article,
 * {@code {g}} a gloss, {@code {n}} a number word, {@code {s}} a sentence, {@code {t}} a text,
 * {@code {h}} a hypernym, {@code {limit}} a word limit, {@code {a1} {l1} {a2} {l2}} two parts of
 * speech with their articles. Harm bait ("continue") has no held-out phrasing: its prompts are the
 * text to continue, split by toxic sense.
 */
final class Phrasings {

  /**
   * One template.
   *
   * @param id {@code <kind>/<index>}, written on every task built from it
   * @param heldOut whether only evaluation prompts use it
   */
  record Phrasing(String id, boolean heldOut, String template) {

    /** The template with each {@code {key}} replaced by its value (keys and values alternate). */
    String fill(String... keyValues) {
      String out = template;
      for (int i = 0; i + 1 < keyValues.length; i += 2) {
        out = out.replace("{" + keyValues[i] + "}", keyValues[i + 1]);
      }
      if (out.contains("{")) {
        throw new IllegalStateException("phrasing " + id + ": unfilled placeholder in " + out);
      }
      return out;
    }
  }

  /** Task kind to its phrasings: trained ones first, then the held-out ones ("H:" in the table). */
  static final Map<String, List<Phrasing>> BY_KIND =
      Map.ofEntries(
          kind("sentence",
              "Write a sentence using the word {w}.",
              "Write a short sentence with the word \"{w}\".",
              "Use the word {w} in a sentence.",
              "H:Make up a sentence that uses the word {w}."),
          kind("define",
              "What does the word {w} mean?",
              "What is the meaning of \"{w}\"?",
              "H:Define the word {w}.",
              "H:Explain what \"{w}\" means."),
          kind("kind-of",
              "What is {aw} a kind of?",
              "What kind of thing is {aw}?",
              "H:{Aw} is a type of what?"),
          kind("which-word",
              "Which word means \"{g}\"?",
              "What word means \"{g}\"?",
              "H:Name the word that means \"{g}\"."),
          kind("kinds",
              "Name {n} kinds of {w}.",
              "List {n} kinds of {w}.",
              "Give me {n} examples of {w}.",
              "H:What are {n} types of {w}?"),
          kind("antonym",
              "What is the opposite of {w}?",
              "What word is the opposite of {w}?",
              "H:Tell me the opposite of {w}."),
          kind("synonym",
              "What is another word for {w}?",
              "What word means the same as {w}?",
              "H:Give me a synonym for {w}."),
          kind("synonym-rewrite",
              "Rewrite this sentence, replacing the word {w} with a synonym: {s}",
              "Rewrite this sentence with a synonym in place of {w}: {s}",
              "H:Replace {w} with a word that means the same in this sentence: {s}"),
          kind("summary",
              "Summarize this text in at most {limit} words: {t}",
              "H:Write a summary of this text in {limit} words or fewer: {t}"),
          kind("pos",
              "Is {w} {a1} {l1} or {a2} {l2}?",
              "H:Which part of speech is {w}: {a1} {l1} or {a2} {l2}?"),
          kind("closed-kind-of",
              "Answer using only the text. Text: {t} Question: What is {aw} a kind of?",
              "H:Read the text and answer from it alone. Text: {t} Question: What is {aw} a kind"
                  + " of?"),
          kind("extract",
              "Which word in this sentence is a kind of {h}? {s}",
              "H:Find the word in this sentence that names a kind of {h}: {s}"));

  private Phrasings() {}

  /**
   * A phrasing of the kind: uniform over the trained ones, or over all of them when held-out
   * phrasings are allowed (evaluation prompts).
   */
  static Phrasing pick(String kind, Random rng, boolean heldOutAllowed) {
    List<Phrasing> all = of(kind);
    int trained = (int) all.stream().filter(p -> !p.heldOut()).count();
    return all.get(rng.nextInt(heldOutAllowed ? all.size() : trained));
  }

  /** Every phrasing of a task kind; IllegalArgumentException for an unknown kind. */
  static List<Phrasing> of(String kind) {
    List<Phrasing> all = BY_KIND.get(kind);
    if (all == null) {
      throw new IllegalArgumentException("no phrasings for task kind '" + kind + "'");
    }
    return all;
  }

  private static Map.Entry<String, List<Phrasing>> kind(String kind, String... templates) {
    Phrasing[] out = new Phrasing[templates.length];
    boolean seenHeldOut = false;
    for (int i = 0; i < templates.length; i++) {
      boolean heldOut = templates[i].startsWith("H:");
      if (seenHeldOut && !heldOut) {
        throw new IllegalStateException(kind + ": held-out phrasings must come last");
      }
      seenHeldOut |= heldOut;
      out[i] = new Phrasing(kind + "/" + i, heldOut, heldOut ? templates[i].substring(2) : templates[i]);
    }
    return Map.entry(kind, List.of(out));
  }
}
