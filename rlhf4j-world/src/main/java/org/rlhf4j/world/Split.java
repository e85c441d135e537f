package org.rlhf4j.world;

/**
 * Prompt splits. They share no prompt and no target word: the word a task asks about decides its
 * split (a seeded hash), so a policy evaluated on EVAL has never been trained on that word's tasks.
 */
public enum Split {
  TRAIN,
  VALID,
  EVAL
}
