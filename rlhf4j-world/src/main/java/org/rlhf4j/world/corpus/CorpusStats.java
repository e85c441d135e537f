package org.rlhf4j.world.corpus;

/**
 * Size of a corpus. Tokens are not counted here: they depend on the tokenizer, which is trained
 * on this text afterwards.
 *
 * @param senses distinct synsets rendered
 * @param trainDocuments documents (lines) in train.txt
 * @param validDocuments documents (lines) in valid.txt
 * @param trainChars characters of train.txt documents, excluding line separators
 * @param validChars characters of valid.txt documents, excluding line separators
 * @param trainWords whitespace-separated words in train.txt
 * @param validWords whitespace-separated words in valid.txt
 */
public record CorpusStats(
    int senses,
    int trainDocuments,
    int validDocuments,
    long trainChars,
    long validChars,
    long trainWords,
    long validWords) {}
