/**
 * The transformer ({@link org.rlhf4j.core.model.GptModel}), its config, KV cache and the
 * language-model arithmetic shared by every trainer.
 *
 * <p>Rule for tensor code here and in the trainers: a scalar operand of {@code mul}, {@code div},
 * {@code pow}, {@code minimum} or {@code maximum} goes through {@link org.rlhf4j.core.model.Scalars},
 * never a Java number (DJL frees the number's buffer while autograd still holds it; see
 * docs/known-issues.md, "Writing tensor code"). {@code ScalarOperandGuardTest} enforces it.
 */
package org.rlhf4j.core.model;
