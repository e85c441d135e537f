package org.rlhf4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import org.rlhf4j.core.checkpoint.Checkpoint;
import org.rlhf4j.core.checkpoint.ModelCheckpoints;
import org.rlhf4j.core.generate.Generation;
import org.rlhf4j.core.generate.Generator;
import org.rlhf4j.core.generate.SamplingConfig;
import org.rlhf4j.core.tokenizer.Tokenizer;
import org.rlhf4j.cli.pipeline.ModelScorer;
import org.rlhf4j.world.Split;
import org.rlhf4j.world.Task;
import org.rlhf4j.world.World;
import org.rlhf4j.world.WorldConfig;
import org.rlhf4j.world.corpus.Corpus;
import org.rlhf4j.world.corpus.CorpusBuilder;
import org.rlhf4j.world.corpus.CorpusConfig;
import org.rlhf4j.world.corpus.Fact;
import org.rlhf4j.world.corpus.Fact.Relation;
import org.rlhf4j.world.corpus.FactCoverage;
import org.rlhf4j.world.corpus.FactProbe;
import org.rlhf4j.world.corpus.Lexicon;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code rlhf4j probe}: what a base model knows of its world (issue 20). With {@code --model}, a
 * fixed set of fact completions ("A dog is a kind of") continued greedily and scored per
 * relation; with {@code --corpus}, how many documents and surface forms of a corpus state each
 * fact the world's tasks ask about. See docs/corpus.md.
 */
@Command(name = "probe", mixinStandardHelpOptions = true,
    description = "Fact-completion probe of a base model (--model) and/or fact coverage of a corpus (--corpus).")
final class ProbeCommand implements Callable<Integer> {
  @Mixin DeviceOption device = new DeviceOption();

  @Option(names = "--model", description = "checkpoint directory to probe (with tokenizer.json)")
  Path model;

  @Option(names = "--tokenizer", description = "tokenizer.json (default: the checkpoint's)")
  Path tokenizer;

  @Option(names = "--corpus", description = "corpus directory (train.txt) whose fact coverage to measure")
  Path corpus;

  @Option(names = "--per-relation", defaultValue = "40", description = "probe items per relation (default ${DEFAULT-VALUE})")
  int perRelation;

  @Option(names = "--common-words", description = "probe the facts of this corpus selection (default: the corpus default)")
  Integer commonWords;

  @Option(names = "--seed", defaultValue = "1", description = "item selection seed (default ${DEFAULT-VALUE})")
  long seed;

  @Option(names = "--max-new-tokens", defaultValue = "12", description = "(default ${DEFAULT-VALUE})")
  int maxNewTokens;

  @Option(names = "--show", defaultValue = "2", description = "example completions printed per relation (default ${DEFAULT-VALUE})")
  int show;

  @Option(names = "--out", description = "write every item and completion here (JSONL)")
  Path out;

  @Override
  public Integer call() throws Exception {
    if (model == null && corpus == null) {
      throw new IllegalArgumentException("give --model, --corpus or both");
    }
    Lexicon lexicon = Lexicon.wordNet();
    CorpusConfig config = commonWords == null ? CorpusConfig.defaults()
        : CorpusConfig.defaults().withCommonWords(commonWords);
    if (corpus != null) {
      coverage(lexicon, config);
    }
    if (model != null) {
      probe(lexicon, config);
    }
    return 0;
  }

  private void probe(Lexicon lexicon, CorpusConfig config) throws Exception {
    List<FactProbe.Item> items = FactProbe.items(lexicon, config, perRelation, seed);
    Path tokPath = tokenizer != null ? tokenizer : model.resolve(Checkpoint.TOKENIZER_FILE);
    List<String> completions = new ArrayList<>();
    boolean[] ranked = new boolean[items.size()];
    try (Tokenizer tok = Tokenizer.load(tokPath);
        ModelCheckpoints.LoadedModel lm = ModelCheckpoints.load(model, device.get())) {
      List<int[]> prompts = items.stream().map(i -> tok.encode(i.prompt())).toList();
      Generation g = Generator.generate(lm.model(), prompts, SamplingConfig.greedy(maxNewTokens));
      for (int i = 0; i < g.size(); i++) {
        int[] r = g.responses()[i];
        completions.add(tok.decode(g.endedWithEos()[i] ? Arrays.copyOf(r, r.length - 1) : r));
      }
      rank(items, new ModelScorer(lm.model(), tok), ranked);
    }
    Map<Relation, int[]> score = new EnumMap<>(Relation.class);
    Map<Relation, Integer> shown = new EnumMap<>(Relation.class);
    ObjectMapper json = new ObjectMapper();
    List<String> lines = new ArrayList<>();
    int right = 0;
    System.out.println("fact completion, greedy, " + items.size() + " items (" + model + "):");
    for (int i = 0; i < items.size(); i++) {
      FactProbe.Item item = items.get(i);
      boolean ok = item.correct(completions.get(i));
      right += ok ? 1 : 0;
      int[] s = score.computeIfAbsent(item.relation(), k -> new int[3]);
      s[0] += ok ? 1 : 0;
      s[1]++;
      s[2] += ranked[i] ? 1 : 0;
      if (shown.merge(item.relation(), 1, Integer::sum) <= show) {
        System.out.printf("  %s %s|%s%n", ok ? "right" : "wrong", item.prompt(),
            completions.get(i).replace("\n", " "));
      }
      ObjectNode row = json.createObjectNode();
      row.put("relation", item.relation().name().toLowerCase());
      row.put("prompt", item.prompt());
      row.put("completion", completions.get(i));
      row.put("correct", ok);
      row.put("ranked_first", ranked[i]);
      row.putPOJO("answers", item.answers());
      lines.add(json.writeValueAsString(row));
    }
    System.out.println("  relation  greedy right / items, answer ranked first among the relation's answers (chance)");
    int first = 0;
    for (Map.Entry<Relation, int[]> e : score.entrySet()) {
      long candidates = items.stream().filter(x -> x.relation() == e.getKey()).map(x -> x.answers().get(0)).distinct().count();
      System.out.printf("  %-9s %3d / %3d   ranked first %3d (chance %.1f)%n", e.getKey().name().toLowerCase(),
          e.getValue()[0], e.getValue()[1], e.getValue()[2], e.getValue()[1] / (double) candidates);
      first += e.getValue()[2];
    }
    System.out.printf("  %-9s %3d / %3d (%.1f%%)   ranked first %3d%n", "all", right, items.size(),
        100.0 * right / items.size(), first);
    if (out != null) {
      Files.write(out, lines);
    }
  }

  /**
   * A likelihood view of the same items, more sensitive than greedy completion: for each item,
   * whether the model gives its fact's first answer (as " answer.") the highest log-likelihood
   * among the first answers of all items of the same relation.
   */
  private static void rank(List<FactProbe.Item> items, ModelScorer scorer, boolean[] out) {
    Map<Relation, List<String>> candidates = new EnumMap<>(Relation.class);
    for (FactProbe.Item item : items) {
      List<String> c = candidates.computeIfAbsent(item.relation(), k -> new ArrayList<>());
      if (!c.contains(item.answers().get(0))) {
        c.add(item.answers().get(0));
      }
    }
    for (int i = 0; i < items.size(); i++) {
      FactProbe.Item item = items.get(i);
      List<String> c = candidates.get(item.relation());
      double[] lp = scorer.logLikelihoods(item.prompt(), c.stream().map(a -> " " + a + ".").toList());
      int best = 0;
      for (int j = 1; j < lp.length; j++) {
        best = lp[j] > lp[best] ? j : best;
      }
      out[i] = item.answers().contains(c.get(best));
    }
  }

  /** Coverage of the world's asked facts and of the whole fact inventory, with a bits estimate. */
  private void coverage(Lexicon lexicon, CorpusConfig config) throws Exception {
    List<String> docs = Corpus.readDocuments(corpus.resolve(Corpus.TRAIN_FILE));
    FactCoverage cov = new FactCoverage(docs);
    // Every fact of every train-split sense: what the corpus must teach.
    List<Fact> inventory = new ArrayList<>();
    Map<String, Fact> byKey = new HashMap<>();
    for (CorpusBuilder.Entry e : CorpusBuilder.select(lexicon, config)) {
      if (e.sense().toxic() || CorpusBuilder.isValidation(e.sense().id(), config)) {
        continue;
      }
      for (Fact f : Fact.of(lexicon, e)) {
        inventory.add(f);
        byKey.put(f.relation() + "|" + f.word() + "|" + f.senseId(), f);
      }
    }
    // The facts the world's tasks ask (all splits: evaluation words are trained on in pretraining).
    World world = World.create(lexicon, new WorldConfig(WorldConfig.defaults().seed(), config,
        WorldConfig.defaults().trainPrompts(), WorldConfig.defaults().validPrompts(),
        WorldConfig.defaults().evalPrompts(), WorldConfig.defaults().validWordFraction(),
        WorldConfig.defaults().evalWordFraction()));
    Set<Fact> asked = new HashSet<>();
    int missing = 0;
    int tasks = 0;
    for (Split sp : Split.values()) {
      for (Task t : world.tasks(sp)) {
        Relation r = Relation.ofTaskForm(t.form());
        if (r == null || t.closedDomain()) {
          continue; // closed-domain kind-of and extraction give the fact in the text
        }
        tasks++;
        Fact f = byKey.get(r + "|" + t.word() + "|" + t.senseId());
        if (f == null) {
          missing++;
        } else {
          asked.add(f);
        }
      }
    }
    System.out.printf("%s: %,d documents; world: %,d knowledge tasks ask %,d distinct facts"
        + " (%d not in the fact inventory)%n", corpus, docs.size(), tasks, asked.size(), missing);
    table("asked facts", cov.count(List.copyOf(asked)));
    table("all train-split facts", cov.count(inventory));
    bits(inventory);
  }

  private static void table(String title, List<FactCoverage.Count> counts) {
    Map<Relation, List<FactCoverage.Count>> by = new EnumMap<>(Relation.class);
    for (FactCoverage.Count c : counts) {
      by.computeIfAbsent(c.fact().relation(), k -> new ArrayList<>()).add(c);
    }
    System.out.println(title + ": relation, facts, stated (>=1 doc), median documents, median forms, >=4 forms");
    for (Map.Entry<Relation, List<FactCoverage.Count>> e : by.entrySet()) {
      row(e.getKey().name().toLowerCase(), e.getValue());
    }
    row("all", counts);
  }

  private static void row(String name, List<FactCoverage.Count> cs) {
    int[] docs = cs.stream().mapToInt(FactCoverage.Count::documents).sorted().toArray();
    int[] forms = cs.stream().mapToInt(FactCoverage.Count::forms).sorted().toArray();
    long stated = Arrays.stream(docs).filter(d -> d > 0).count();
    long four = Arrays.stream(forms).filter(f -> f >= 4).count();
    System.out.printf("  %-9s %,6d  %5.1f%%  %4d  %3d  %5.1f%%%n", name, cs.size(), 100.0 * stated / cs.size(),
        docs[docs.length / 2], forms[forms.length / 2], 100.0 * four / cs.size());
  }

  /**
   * Bits the facts hold, estimated as Allen-Zhu and Li count them: each named answer costs
   * log2 of the number of distinct answers its relation draws from (a meaning costs that for
   * each of its content words of four letters or more).
   */
  private static void bits(List<Fact> inventory) {
    Map<Relation, Set<String>> vocab = new EnumMap<>(Relation.class);
    for (Fact f : inventory) {
      Set<String> v = vocab.computeIfAbsent(f.relation(), k -> new HashSet<>());
      v.addAll(f.relation() == Relation.MEANING ? content(f.answer()) : f.answers());
    }
    Map<Relation, double[]> total = new LinkedHashMap<>();
    for (Fact f : inventory) {
      int named = f.relation() == Relation.MEANING ? content(f.answer()).size() : f.answers().size();
      double b = named * Math.log(Math.max(2, vocab.get(f.relation()).size())) / Math.log(2);
      double[] t = total.computeIfAbsent(f.relation(), k -> new double[2]);
      t[0] += b;
      t[1]++;
    }
    double sum = 0;
    System.out.println("bits estimate: relation, facts, answer vocabulary, bits per fact, total bits");
    for (Map.Entry<Relation, double[]> e : total.entrySet()) {
      System.out.printf("  %-9s %,6d  %,6d  %5.1f  %,10.0f%n", e.getKey().name().toLowerCase(), (long) e.getValue()[1],
          vocab.get(e.getKey()).size(), e.getValue()[0] / e.getValue()[1], e.getValue()[0]);
      sum += e.getValue()[0];
    }
    System.out.printf("  %-9s %,10.0f bits (small 1.35M parameters at 1-2 bits/parameter holds 1.35-2.7M;"
        + " large 5.85M holds 5.9-11.7M)%n", "all", sum);
  }

  private static List<String> content(String gloss) {
    return org.rlhf4j.world.corpus.English.words(gloss).stream().filter(w -> w.length() >= 4).distinct().toList();
  }
}
