package org.rlhf4j.core.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Chat templates rendered by jinjava against Python jinja2's renderings in transformers'
 * environment (src/test/python/make_chat_templates.py): Qwen2, SmolLM2, Llama 3, Llama 2 (with
 * raise_exception), Zephyr (trim_blocks / lstrip_blocks), tojson and loop controls.
 */
class ChatTemplateTest {

  static Stream<Arguments> cases() throws Exception {
    Path file = Path.of(ChatTemplateTest.class.getResource("/chat-templates/cases.json").toURI());
    JsonNode root = new ObjectMapper().readTree(file.toFile());
    List<Arguments> out = new ArrayList<>();
    for (JsonNode c : root.path("cases")) {
      out.add(Arguments.of(c.path("name").asText(), c));
    }
    return out.stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void rendersAsJinja2Does(String name, JsonNode c) {
    Map<String, String> tokens = new LinkedHashMap<>();
    c.path("special_tokens").fields().forEachRemaining(e -> tokens.put(e.getKey(), e.getValue().asText()));
    List<ChatTemplate.Message> messages = new ArrayList<>();
    for (JsonNode m : c.path("messages")) {
      messages.add(new ChatTemplate.Message(m.path("role").asText(), m.path("content").asText()));
    }
    ChatTemplate template = new ChatTemplate(c.path("template").asText(), tokens);
    boolean gen = c.path("add_generation_prompt").asBoolean();
    if (c.has("error")) {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> template.render(messages, gen));
      assertTrue(e.getMessage().contains(c.path("error").asText()), e.getMessage());
    } else {
      assertEquals(c.path("expected").asText(), template.render(messages, gen), name);
    }
  }

  @Test
  void readsTheTemplateAndTokensFromTokenizerConfig(@TempDir Path dir) throws Exception {
    Path config = dir.resolve("tokenizer_config.json");
    Files.writeString(config, """
        {"bos_token": {"content": "<|begin_of_text|>", "special": true}, "eos_token": "<|eot_id|>",
         "chat_template": [{"name": "default", "template": "{{ bos_token }}{% for m in messages %}{{ m.role }}={{ m.content }}{{ eos_token }}{% endfor %}"},
                           {"name": "tool_use", "template": "unused"}]}
        """);
    ChatTemplate t = ChatTemplate.fromTokenizerConfig(config).orElseThrow();
    assertEquals("<|begin_of_text|>user=hi<|eot_id|>",
        t.render(List.of(new ChatTemplate.Message("user", "hi")), false));
    Files.writeString(config, "{\"eos_token\": \"</s>\"}");
    assertTrue(ChatTemplate.fromTokenizerConfig(config).isEmpty(), "a base model has no template");
  }
}
