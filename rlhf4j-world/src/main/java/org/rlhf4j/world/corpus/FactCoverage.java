package org.rlhf4j.world.corpus;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How often, and in how many surface forms, a corpus states each fact (issue 20's measurement:
 * "each sense in only 2 documents").
 *
 * <p>A sentence states a fact when it contains the fact's word and its first answer as whole
 * words (the gloss, for a meaning). Its <i>form</i> is the sentence in lower case with speaker
 * labels and quotes removed, every answer replaced by {@code <A>} and the word by {@code <W>}:
 * "A dog is a kind of canine." and "Q: Is a cat a kind of feline?" differ in form, two documents
 * that both say "a dog is a kind of canine" do not. The count knows nothing of the templates that
 * wrote the corpus, so it measures any corpus, old or new, the same way.
 */
public final class FactCoverage {

  /** What one fact gets from a corpus. */
  public record Count(Fact fact, int documents, int sentences, int forms) {}

  private static final Pattern SENTENCE_END = Pattern.compile("(?<=[.?!\"])\\s+");
  private static final Pattern SPEAKER =
      Pattern.compile(
          "^(?:q|a|question|answer|student|teacher|anna asked|ben said|-)\\s*:?\\s*");

  private final List<String> sentences = new ArrayList<>();
  private final List<Integer> documentOf = new ArrayList<>();
  private final Map<String, List<Integer>> byWord = new HashMap<>();

  /** Indexes the sentences of the documents by their words. */
  public FactCoverage(List<String> documents) {
    for (int d = 0; d < documents.size(); d++) {
      for (String sentence : SENTENCE_END.split(documents.get(d))) {
        int id = sentences.size();
        sentences.add(sentence.toLowerCase(Locale.ROOT));
        documentOf.add(d);
        for (String w : new HashSet<>(English.words(sentence))) {
          byWord.computeIfAbsent(w, k -> new ArrayList<>()).add(id);
        }
      }
    }
  }

  /** Documents, sentences and distinct forms that state the fact. */
  public Count count(Fact fact) {
    String w = fact.word().toLowerCase(Locale.ROOT);
    Pattern answer = phrase(fact.answer());
    Pattern word = phrase(w);
    Set<Integer> docs = new HashSet<>();
    Set<String> forms = new HashSet<>();
    int n = 0;
    for (int id : byWord.getOrDefault(firstWord(w), List.of())) {
      String s = sentences.get(id);
      Matcher a = answer.matcher(s);
      if (!a.find() || !word.matcher(a.replaceAll(" ")).find()) {
        continue;
      }
      n++;
      docs.add(documentOf.get(id));
      String form = s;
      for (String ans : fact.answers()) {
        form = phrase(ans).matcher(form).replaceAll("<A>");
      }
      form = word.matcher(form).replaceAll("<W>");
      form = SPEAKER.matcher(form.replace("\"", "").strip()).replaceFirst("");
      forms.add(form);
    }
    return new Count(fact, docs.size(), n, forms.size());
  }

  /** Counts for many facts. */
  public List<Count> count(List<Fact> facts) {
    return facts.stream().map(this::count).toList();
  }

  private static String firstWord(String w) {
    List<String> ws = English.words(w);
    return ws.isEmpty() ? w : ws.get(0);
  }

  /** The phrase as whole words, case-insensitive. */
  private static Pattern phrase(String p) {
    return Pattern.compile(
        "(?<![a-z])" + Pattern.quote(p.toLowerCase(Locale.ROOT)) + "(?![a-z])");
  }
}
