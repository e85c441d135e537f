/**
 * Checkpoints in Hugging Face layout: {@link org.rlhf4j.core.checkpoint.SafeTensors} (the
 * {@code .safetensors} format), {@link org.rlhf4j.core.checkpoint.HfConfig} (GPT-2 {@code
 * config.json}) and {@link org.rlhf4j.core.checkpoint.Checkpoint} (the directory: config, weights,
 * tokenizer, resume state; atomic save; validated load). See {@code docs/checkpoints.md}.
 *
 * <p>Who closes what: every read creates its arrays in the {@code NDManager} the caller passes and
 * never closes them on success; the caller closes them, usually by closing that manager. On a
 * failed read the arrays created so far are closed before the exception is thrown, so a bad file
 * leaks nothing. Writes never close the arrays they are given; temporaries made to convert dtypes
 * are closed at once.
 *
 * <p>Errors: problems with files (corrupt, truncated, mismatched with the config) are {@link
 * org.rlhf4j.core.checkpoint.CheckpointException}, an {@code IOException} naming the file and,
 * where one is to blame, the tensor or config key. Programming errors in what the caller asks to
 * save (wrong shapes, unsupported dtypes) are {@code IllegalArgumentException}, thrown before
 * anything is written.
 */
package org.rlhf4j.core.checkpoint;
