package org.rlhf4j.world;

/**
 * The one canonical prompt template, shared by SFT, reward modelling, PPO and evaluation:
 *
 * <pre>
 * Instruction: &lt;instruction text&gt;
 * Response:
 * </pre>
 *
 * <p>The completion follows after a single space ({@link #COMPLETION_PREFIX}) and ends with EOS
 * (added by the tokenizer side, never part of the text). Keeping the space in the completion, not
 * in the prompt, means the prompt never ends in whitespace, which byte-level BPE would otherwise
 * tokenize differently from the training text.
 */
public final class PromptFormat {

  public static final String INSTRUCTION_PREFIX = "Instruction: ";
  public static final String RESPONSE_MARKER = "\nResponse:";
  public static final String COMPLETION_PREFIX = " ";

  private PromptFormat() {}

  /** {@code "Instruction: " + instruction + "\nResponse:"}. */
  public static String prompt(String instruction) {
    if (instruction == null || instruction.isBlank()) {
      throw new IllegalArgumentException("instruction must not be blank");
    }
    if (instruction.contains(RESPONSE_MARKER)) {
      throw new IllegalArgumentException("instruction must not contain the response marker");
    }
    return INSTRUCTION_PREFIX + instruction.strip() + RESPONSE_MARKER;
  }

  /** The completion text for a response: {@code " " + response}. */
  public static String completion(String response) {
    return COMPLETION_PREFIX + response.strip();
  }

  /** The instruction inside a formatted prompt; IllegalArgumentException if it is not one. */
  public static String instruction(String prompt) {
    if (!prompt.startsWith(INSTRUCTION_PREFIX) || !prompt.endsWith(RESPONSE_MARKER)) {
      throw new IllegalArgumentException(
          "not a world prompt (expected 'Instruction: ...\\nResponse:'): " + abbreviate(prompt));
    }
    return prompt.substring(
        INSTRUCTION_PREFIX.length(), prompt.length() - RESPONSE_MARKER.length());
  }

  /** Whether the text is in the canonical prompt format. */
  public static boolean isPrompt(String text) {
    return text.startsWith(INSTRUCTION_PREFIX) && text.endsWith(RESPONSE_MARKER);
  }

  /** A prompt shortened for an error message: one line, at most 60 characters. */
  public static String abbreviate(String s) {
    String one = s.replace('\n', ' ');
    return one.length() <= 60 ? one : one.substring(0, 57) + "...";
  }
}
