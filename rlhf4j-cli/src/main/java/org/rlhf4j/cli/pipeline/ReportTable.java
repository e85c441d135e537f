package org.rlhf4j.cli.pipeline;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A plain-text table with aligned columns: cells are wrapped at word boundaries so that the whole
 * table fits a given width, columns are separated by {@code " | "}, and a {@code -+-} rule follows
 * the header. Numeric columns may be right-aligned.
 */
final class ReportTable {
  static final String SEP = " | ";

  private final List<String> header;
  private final boolean[] rightAlign;
  private final boolean[] keep;
  private final List<List<String>> rows = new ArrayList<>();

  ReportTable(String... header) {
    this.header = List.of(header);
    this.rightAlign = new boolean[header.length];
    this.keep = new boolean[header.length];
  }

  /** Never wraps the given columns (names): they keep their natural width. */
  ReportTable keep(int... columns) {
    for (int c : columns) {
      keep[c] = true;
    }
    return this;
  }

  /** Right-aligns the given columns (numbers). */
  ReportTable right(int... columns) {
    for (int c : columns) {
      rightAlign[c] = true;
    }
    return this;
  }

  ReportTable row(String... cells) {
    if (cells.length != header.size()) {
      throw new IllegalArgumentException("row has " + cells.length + " cells, header " + header.size());
    }
    List<String> r = new ArrayList<>(cells.length);
    for (String c : cells) {
      r.add(c == null ? "" : c.replaceAll("\\s+", " ").strip());
    }
    rows.add(r);
    return this;
  }

  int size() {
    return rows.size();
  }

  /** Renders the table no wider than {@code maxWidth} characters (when the columns allow it). */
  String render(int maxWidth) {
    int n = header.size();
    int[] natural = new int[n];
    int[] content = new int[n];
    int[] longestWord = new int[n];
    for (int c = 0; c < n; c++) {
      for (String w : header.get(c).split(" ")) {
        longestWord[c] = Math.max(longestWord[c], w.length());
      }
      for (List<String> r : rows) {
        content[c] = Math.max(content[c], r.get(c).length());
        for (String w : r.get(c).split(" ")) {
          longestWord[c] = Math.max(longestWord[c], Math.min(w.length(), 12));
        }
      }
      natural[c] = Math.max(content[c], header.get(c).length());
      if (keep[c]) {
        longestWord[c] = Math.max(longestWord[c], content[c]);
      }
    }
    int[] width = natural.clone();
    int budget = maxWidth - SEP.length() * (n - 1);
    // Shrink one character at a time until the table fits: first headers wider than their
    // column's content (wrapping a header costs no extra rows), then the widest column; never below
    // a column's longest (capped) word, so wrapping rarely has to split a word.
    while (Arrays.stream(width).sum() > budget) {
      int pick = -1;
      for (int c = 0; c < n; c++) {
        int excess = width[c] - Math.max(content[c], longestWord[c]);
        if (excess > 0 && (pick < 0 || excess > width[pick] - Math.max(content[pick], longestWord[pick]))) {
          pick = c;
        }
      }
      if (pick < 0) {
        for (int c = 0; c < n; c++) {
          if (width[c] > longestWord[c] && (pick < 0 || width[c] > width[pick])) {
            pick = c;
          }
        }
      }
      if (pick < 0) {
        break;
      }
      width[pick]--;
    }
    StringBuilder sb = new StringBuilder();
    appendRow(sb, header, width, new boolean[n]);
    for (int c = 0; c < n; c++) {
      if (c > 0) {
        sb.append("-+-");
      }
      sb.append("-".repeat(width[c]));
    }
    sb.append('\n');
    for (List<String> r : rows) {
      appendRow(sb, r, width, rightAlign);
    }
    return sb.toString();
  }

  private static void appendRow(StringBuilder sb, List<String> cells, int[] width, boolean[] right) {
    List<List<String>> wrapped = new ArrayList<>();
    int lines = 1;
    for (int c = 0; c < cells.size(); c++) {
      List<String> w = wrap(cells.get(c), width[c]);
      wrapped.add(w);
      lines = Math.max(lines, w.size());
    }
    for (int l = 0; l < lines; l++) {
      StringBuilder line = new StringBuilder();
      for (int c = 0; c < cells.size(); c++) {
        if (c > 0) {
          line.append(SEP);
        }
        String text = l < wrapped.get(c).size() ? wrapped.get(c).get(l) : "";
        String pad = " ".repeat(width[c] - text.length());
        line.append(right[c] ? pad + text : text + pad);
      }
      sb.append(line.toString().stripTrailing()).append('\n');
    }
  }

  /** Greedy word wrap; a word longer than the width is split. */
  static List<String> wrap(String text, int width) {
    List<String> out = new ArrayList<>();
    if (text.isEmpty()) {
      out.add("");
      return out;
    }
    StringBuilder line = new StringBuilder();
    for (String word : text.split(" ")) {
      while (word.length() > width) {
        if (line.length() > 0) {
          out.add(line.toString());
          line.setLength(0);
        }
        out.add(word.substring(0, width));
        word = word.substring(width);
      }
      if (line.length() > 0 && line.length() + 1 + word.length() > width) {
        out.add(line.toString());
        line.setLength(0);
      }
      if (line.length() > 0) {
        line.append(' ');
      }
      line.append(word);
    }
    if (line.length() > 0 || out.isEmpty()) {
      out.add(line.toString());
    }
    return out;
  }
}
