#!/usr/bin/env python3
"""Expected chat-template renderings for ChatTemplateTest, computed with Python's jinja2.

Run with Debian's jinja2 (apt-get install python3-jinja2), from the repository root:

    /usr/bin/python3 rlhf4j-core/src/test/python/make_chat_templates.py [RESOURCES_DIR]

The environment is the one transformers' apply_chat_template builds (read in its
chat_template_utils.py, not copied): ImmutableSandboxedEnvironment(trim_blocks=True,
lstrip_blocks=True, extensions=[loopcontrols]), tojson = json.dumps(x, ensure_ascii=False,
indent=indent), and the global raise_exception(message). The templates are those shipped with
Qwen2-Instruct, SmolLM2-Instruct, Llama-3-Instruct, Llama-2-chat and Zephyr, plus one that uses
tojson, upper and loop controls. Writes chat-templates/cases.json: each case has the template, the
special tokens, the messages, add_generation_prompt, and either "expected" or "error".
"""

import json
import os
import sys

import jinja2
from jinja2.ext import loopcontrols
from jinja2.sandbox import ImmutableSandboxedEnvironment

TEMPLATES = {
    "qwen2": "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}{{ '<|im_start|>system\\nYou are a helpful assistant.<|im_end|>\\n' }}{% endif %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}",
    "smollm2": "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}{{ '<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n' }}{% endif %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}",
    "llama3": "{% set loop_messages = messages %}{% for message in loop_messages %}{% set content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n'+ message['content'] | trim + '<|eot_id|>' %}{% if loop.index0 == 0 %}{% set content = bos_token + content %}{% endif %}{{ content }}{% endfor %}{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\n\n' }}{% endif %}",
    "llama2": "{% if messages[0]['role'] == 'system' %}{% set loop_messages = messages[1:] %}{% set system_message = messages[0]['content'] %}{% else %}{% set loop_messages = messages %}{% set system_message = false %}{% endif %}{% for message in loop_messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}{% if loop.index0 == 0 and system_message != false %}{% set content = '<<SYS>>\\n' + system_message + '\\n<</SYS>>\\n\\n' + message['content'] %}{% else %}{% set content = message['content'] %}{% endif %}{% if message['role'] == 'user' %}{{ bos_token + '[INST] ' + content.strip() + ' [/INST]' }}{% elif message['role'] == 'assistant' %}{{ ' '  + content.strip() + ' ' + eos_token }}{% endif %}{% endfor %}",
    "zephyr": "{% for message in messages %}\n{% if message['role'] == 'user' %}\n{{ '<|user|>\n' + message['content'] + eos_token }}\n{% elif message['role'] == 'system' %}\n{{ '<|system|>\n' + message['content'] + eos_token }}\n{% elif message['role'] == 'assistant' %}\n{{ '<|assistant|>\n'  + message['content'] + eos_token }}\n{% endif %}\n{% if loop.last and add_generation_prompt %}\n{{ '<|assistant|>' }}\n{% endif %}\n{% endfor %}",
    "tojson-and-loopcontrols": "{%- for message in messages %}\n    {%- if message['role'] == 'system' %}{% continue %}{% endif %}\n    {{- message['role'] | upper }}: {{ message | tojson }}\n{% if loop.index >= 3 %}{% break %}{% endif %}\n{%- endfor %}\n{%- if add_generation_prompt %}ASSISTANT:{% endif %}",
}
TOKENS = {"bos_token": "<s>", "eos_token": "</s>", "pad_token": "<pad>", "unk_token": "<unk>"}
CONVERSATIONS = {
    "user-only": [{"role": "user", "content": "What is 2 + 2?"}],
    "with-system": [{"role": "system", "content": "You answer briefly."},
                    {"role": "user", "content": "  Name a color.  "},
                    {"role": "assistant", "content": "Blue.\n"},
                    {"role": "user", "content": "Another one, \"please\" \u00e9t\u00e9?"}],
    "multi-turn": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": " Hello! "},
                   {"role": "user", "content": "Tell me a joke.\n\nA short one."},
                   {"role": "assistant", "content": "No."}],
    "not-alternating": [{"role": "user", "content": "a"}, {"role": "user", "content": "b"}],
}


def environment():
    def raise_exception(message):
        raise jinja2.exceptions.TemplateError(message)

    def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
        return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators,
                          sort_keys=sort_keys)

    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[loopcontrols])
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    return env


def main():
    resources = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "resources")
    env = environment()
    cases = []
    for tname, source in TEMPLATES.items():
        template = env.from_string(source)
        for cname, messages in CONVERSATIONS.items():
            for gen in (False, True):
                case = {"name": f"{tname}/{cname}/{'gen' if gen else 'nogen'}", "template": source,
                        "special_tokens": TOKENS, "messages": messages, "add_generation_prompt": gen}
                try:
                    case["expected"] = template.render(messages=messages, add_generation_prompt=gen, **TOKENS)
                except jinja2.exceptions.TemplateError as e:
                    case["error"] = str(e)
                cases.append(case)
    out = os.path.join(resources, "chat-templates")
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "cases.json"), "w", encoding="utf-8") as f:
        json.dump({"generator": "make_chat_templates.py", "jinja2": jinja2.__version__, "cases": cases},
                  f, indent=1, ensure_ascii=False)
        f.write("\n")
    print(f"{len(cases)} cases, {sum('error' in c for c in cases)} raising -> {out}")


if __name__ == "__main__":
    main()
