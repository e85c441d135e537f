/**
 * Tokenisation: {@link org.rlhf4j.core.tokenizer.Tokenizer} loads any Hugging Face {@code
 * tokenizer.json} through DJL's native tokenizers, with distinct EOS and pad tokens; {@link
 * org.rlhf4j.core.tokenizer.BpeTrainer} trains a GPT-2 style byte-level BPE and writes a {@code
 * tokenizer.json} (as a {@link org.rlhf4j.core.tokenizer.BpeModel}).
 *
 * <p>Ownership: whoever calls {@code Tokenizer.load} closes the tokenizer (it holds a native
 * handle); trainers and models hold only Java memory. See {@code docs/tokenizer.md}.
 */
package org.rlhf4j.core.tokenizer;
