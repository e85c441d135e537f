package org.rlhf4j.cli;

import ai.djl.Device;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.rlhf4j.core.bestofn.BestOfN;
import org.rlhf4j.core.bestofn.BestOfNConfig;
import org.rlhf4j.core.checkpoint.ModelCheckpoints;
import org.rlhf4j.core.generate.SamplingConfig;
import org.rlhf4j.core.reward.RewardModel;
import org.rlhf4j.core.tokenizer.Tokenizer;
import org.rlhf4j.data.Jsonl;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code rlhf4j best-of-n}: sample n responses per prompt from a policy, keep the reward model's
 * best, and write them with their scores. No training: the baseline RL is measured against (Gao
 * et al. 2022), with a KL from the policy known in closed form.
 */
@Command(name = "best-of-n", mixinStandardHelpOptions = true,
    description = "Sample n responses per prompt and keep the reward model's best; writes JSONL.")
final class BestOfNCommand implements Callable<Integer> {
  /**
   * One output line.
   *
   * @param score the best response's reward (after the EOS trick when on)
   * @param meanScore mean reward of all n samples: the gap to {@code score} is what selection bought
   * @param scores every sample's reward, in sampling order
   * @param endedWithEos whether the best response ended with EOS (else it hit --max-new-tokens)
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  record Best(
      @JsonProperty("prompt_id") String promptId,
      @JsonProperty("prompt") String prompt,
      @JsonProperty("response") String response,
      @JsonProperty("score") double score,
      @JsonProperty("n") int n,
      @JsonProperty("mean_score") double meanScore,
      @JsonProperty("scores") double[] scores,
      @JsonProperty("ended_with_eos") boolean endedWithEos) {}

  @Mixin DeviceOption device = new DeviceOption();

  @Option(names = "--policy", required = true, description = "policy checkpoint to sample")
  Path policy;

  @Option(names = "--reward-model", required = true, description = "reward-model checkpoint that picks the best")
  Path rewardModel;

  @Option(names = "--tokenizer", description = "the policy's tokenizer.json (default: the checkpoint's)")
  Path tokenizer;

  @Option(names = "--prompts", required = true, description = "prompts JSONL (Prompt records, or demonstrations/rankings)")
  Path prompts;

  @Option(names = "--out", required = true, description = "output JSONL: one best response per prompt with its scores")
  Path out;

  @Option(names = {"-n", "--n"}, defaultValue = "16", description = "samples per prompt (default ${DEFAULT-VALUE})")
  int n;

  @Option(names = "--max-new-tokens", defaultValue = "48", description = "(default ${DEFAULT-VALUE})")
  int maxNewTokens;

  @Option(names = "--temperature", defaultValue = "1.0",
      description = "sampling temperature (1 samples the policy itself, where the KL formula holds; default ${DEFAULT-VALUE})")
  float temperature;

  @Option(names = "--top-p", defaultValue = "1.0", description = "nucleus sampling, 1 = off (default ${DEFAULT-VALUE})")
  float topP;

  @Option(names = "--eos-penalty", description = "score of a response without EOS instead of the reward (the EOS trick; default: off)")
  Double eosPenalty;

  @Option(names = "--generation-batch", defaultValue = "64", description = "rows per generation call (default ${DEFAULT-VALUE})")
  int generationBatch;

  @Option(names = "--seed", defaultValue = "1", description = "(default ${DEFAULT-VALUE})")
  long seed;

  @Override
  public Integer call() throws Exception {
    BestOfNConfig cfg = new BestOfNConfig(n, new SamplingConfig(maxNewTokens, temperature, 0, topP, seed), generationBatch,
        eosPenalty != null, eosPenalty != null ? eosPenalty : 0);
    List<DataLoading.PromptText> ps = DataLoading.prompts(prompts);
    Device dev = device.get();
    try (Tokenizer tok = DataLoading.tokenizer(policy, tokenizer);
        ModelCheckpoints.LoadedModel pol = ModelCheckpoints.load(policy, dev);
        RewardModel rm = RewardModel.load(rewardModel, dev)) {
      System.err.printf("best-of-%d on %,d prompts%n", n, ps.size());
      List<BestOfN.Candidates> cands = BestOfN.sample(pol.model(), tok, DataLoading.texts(ps), rm, cfg);
      List<Best> rows = new ArrayList<>(cands.size());
      double best = 0;
      double all = 0;
      for (int i = 0; i < cands.size(); i++) {
        BestOfN.Candidates c = cands.get(i);
        double mean = 0;
        for (double s : c.scores()) {
          mean += s;
        }
        mean /= c.scores().length;
        rows.add(new Best(ps.get(i).id(), c.prompt(), c.bestResponse().strip(), c.bestScore(), n, mean, c.scores(),
            c.endedWithEos()[c.best()]));
        best += c.bestScore();
        all += mean;
      }
      Jsonl.write(out, rows);
      System.out.printf("mean best score %.4f, mean sample score %.4f, KL(best-of-%d || policy) = %.3f nats%n",
          best / cands.size(), all / cands.size(), n, BestOfN.analyticKl(n));
      System.out.println("wrote " + rows.size() + " responses to " + out);
    }
    return 0;
  }
}
