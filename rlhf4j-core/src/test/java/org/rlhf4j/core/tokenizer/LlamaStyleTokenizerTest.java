package org.rlhf4j.core.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Llama-3-style tokenizer directory (tokenizer.json with special added tokens, tokenizer_config.json
 * naming them in HF's object form, a chat template, no pad token) through DJL's native tokenizer:
 * special tokens resolve from the config, a missing pad is refused with a way out, and a rendered
 * chat prompt encodes its special tokens as single ids.
 */
class LlamaStyleTokenizerTest {

  private static final String TOKENIZER_JSON = """
      {"version": "1.0", "truncation": null, "padding": null,
       "added_tokens": [
         {"id": 0, "content": "<|begin_of_text|>", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true},
         {"id": 1, "content": "<|eot_id|>", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true},
         {"id": 2, "content": "<|start_header_id|>", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true},
         {"id": 3, "content": "<|end_header_id|>", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true},
         {"id": 4, "content": "<|finetune_right_pad_id|>", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true}],
       "normalizer": null, "pre_tokenizer": {"type": "Whitespace"}, "post_processor": null, "decoder": null,
       "model": {"type": "WordLevel", "unk_token": "[UNK]",
                 "vocab": {"<|begin_of_text|>": 0, "<|eot_id|>": 1, "<|start_header_id|>": 2, "<|end_header_id|>": 3,
                           "<|finetune_right_pad_id|>": 4, "[UNK]": 5, "user": 6, "assistant": 7, "hello": 8, "there": 9}}}
      """;

  private static final String CONFIG = """
      {"bos_token": {"content": "<|begin_of_text|>", "special": true},
       "eos_token": {"content": "<|eot_id|>", "special": true},
       "chat_template": "{{ bos_token }}{% for m in messages %}{{ '<|start_header_id|>' + m['role'] + '<|end_header_id|>\\\\n\\\\n' + m['content'] | trim + '<|eot_id|>' }}{% endfor %}{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\\\\n\\\\n' }}{% endif %}"}
      """;

  private static Path directory(Path dir) throws IOException {
    Files.writeString(dir.resolve("tokenizer.json"), TOKENIZER_JSON);
    Files.writeString(dir.resolve("tokenizer_config.json"), CONFIG);
    return dir;
  }

  @Test
  void specialTokensComeFromTheConfigAndAMissingPadIsRefused(@TempDir Path tmp) throws Exception {
    Path dir = directory(tmp);
    IOException e = assertThrows(IOException.class, () -> Tokenizer.load(dir));
    assertTrue(e.getMessage().contains("pad"), e.getMessage());
    try (Tokenizer t = Tokenizer.load(dir, new Tokenizer.SpecialTokens(null, "<|finetune_right_pad_id|>", null))) {
      assertEquals(1, t.eosId());
      assertEquals(0, t.bosId());
      assertEquals(4, t.padId());
    }
  }

  @Test
  void aRenderedChatPromptEncodesSpecialTokensAsSingleIds(@TempDir Path tmp) throws Exception {
    Path dir = directory(tmp);
    ChatTemplate template = ChatTemplate.fromTokenizerConfig(dir.resolve("tokenizer_config.json")).orElseThrow();
    String prompt = template.render(List.of(new ChatTemplate.Message("user", " hello there ")), true);
    assertEquals("<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nhello there<|eot_id|>"
        + "<|start_header_id|>assistant<|end_header_id|>\n\n", prompt);
    try (Tokenizer t = Tokenizer.load(dir, new Tokenizer.SpecialTokens(null, "<|finetune_right_pad_id|>", null))) {
      assertArrayEquals(new int[] {0, 2, 6, 3, 8, 9, 1, 2, 7, 3}, t.encode(prompt));
    }
  }
}
