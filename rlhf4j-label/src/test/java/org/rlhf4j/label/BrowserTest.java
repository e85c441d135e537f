package org.rlhf4j.label;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.core.type.TypeReference;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.rlhf4j.data.Demonstration;
import org.rlhf4j.data.Jsonl;
import org.rlhf4j.data.Ranking;
import org.rlhf4j.data.Rating;

/**
 * End to end in headless Debian Chromium: admin creates a labeler and a project, the labeler
 * writes a demonstration, ranks candidates by drag-and-drop (with a tie) and rates them, logs out;
 * the export reads back with {@code Jsonl.read}. Skips when Chromium or chromedriver is absent.
 */
class BrowserTest {
  static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
  static final Path SHOTS = Path.of("target/screenshots");

  @TempDir Path dir;
  LabelServer server;
  WebDriver driver;
  WebDriverWait wait;
  String base;

  @BeforeEach
  void start() throws Exception {
    assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
        "Chromium or chromedriver not installed (apt-get install chromium chromium-driver)");
    Path db = dir.resolve("label.db");
    LabelServer.createUser(db, "admin", Fixtures.PASSWORD, "admin", 4);
    server = LabelServer.start(Fixtures.config(db));
    base = "http://127.0.0.1:" + server.port();
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM.toFile());
    options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--window-size=1280,1500",
        "--user-data-dir=" + Files.createDirectories(dir.resolve("chrome-profile")));
    ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile()).build();
    driver = new ChromeDriver(service, options);
    wait = new WebDriverWait(driver, Duration.ofSeconds(20));
    Files.createDirectories(SHOTS);
  }

  @AfterEach
  void stop() {
    if (driver != null) {
      driver.quit();
    }
    if (server != null) {
      server.close();
    }
  }

  private void shot(String name) throws Exception {
    File f = ((TakesScreenshot) driver).getScreenshotAs(OutputType.FILE);
    Files.copy(f.toPath(), SHOTS.resolve(name + ".png"), StandardCopyOption.REPLACE_EXISTING);
  }

  private void login(String user) {
    driver.get(base + "/login");
    driver.findElement(By.id("username")).sendKeys(user);
    driver.findElement(By.id("password")).sendKeys(Fixtures.PASSWORD);
    driver.findElement(By.id("login")).click();
    try {
      wait.until(ExpectedConditions.presenceOfElementLocated(By.id("logout")));
    } catch (RuntimeException e) {
      throw new AssertionError("login as " + user + " failed at " + driver.getCurrentUrl() + ": " + driver.getPageSource(), e);
    }
  }

  private void logout() {
    driver.findElement(By.id("logout")).click();
    wait.until(ExpectedConditions.presenceOfElementLocated(By.id("username")));
  }

  private WebElement handleOfGroup(int group) {
    return driver.findElement(By.cssSelector("li.group[data-group='" + group + "'] .card .handle"));
  }

  @Test
  void adminCreatesProjectLabelerDemonstratesRanksAndRates() throws Exception {
    Path prompts = dir.resolve("prompts.jsonl");
    Files.writeString(prompts, "{\"id\":\"p0\",\"prompt\":\"Suggest a name for a friendly robot that waters plants.\"}\n");
    Path candidates = dir.resolve("candidates.jsonl");
    Files.writeString(candidates, "{\"prompt_id\":\"p0\",\"responses\":["
        + "\"How about \\\"Sprout\\\"? It is short, cheerful and says what the robot does.\","
        + "\"Robot.\","
        + "\"Try \\\"Drizzle\\\": a gentle name for a gentle helper.\","
        + "\"I cannot help with naming robots.\"]}\n");

    // Admin: create a labeler and a project.
    login("admin");
    driver.get(base + "/admin/users");
    driver.findElement(By.id("new-username")).sendKeys("lena");
    driver.findElement(By.id("new-password")).sendKeys(Fixtures.PASSWORD);
    driver.findElement(By.id("create-user")).click();
    wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("message"), "Created labeler lena"));
    shot("label-people");
    driver.get(base + "/admin/projects/new");
    driver.findElement(By.id("project-name")).sendKeys("Robot names");
    driver.findElement(By.id("prompts-file")).sendKeys(prompts.toString());
    driver.findElement(By.id("candidates-file")).sendKeys(candidates.toString());
    WebElement overlap = driver.findElement(By.id("overlap-percent"));
    overlap.clear();
    overlap.sendKeys("0");
    driver.findElement(By.id("instructions")).sendKeys("Prefer helpful, truthful, harmless answers.");
    shot("label-new-project");
    driver.findElement(By.id("create-project")).click();
    wait.until(ExpectedConditions.presenceOfElementLocated(By.id("project-title")));
    for (int i = 0; i < 50 && !driver.getPageSource().contains("status ready"); i++) {
      Thread.sleep(100);
      driver.navigate().refresh();
    }
    assertTrue(driver.getPageSource().contains("status ready"));
    logout();

    // Labeler: demonstration, then ranking by drag-and-drop with ratings.
    login("lena");
    shot("label-queue");
    driver.findElement(By.cssSelector("a.start")).click();
    WebElement response = wait.until(ExpectedConditions.presenceOfElementLocated(By.id("response")));
    response.sendKeys("Call it \"Sprout\": friendly, short, and it tells you what the robot does.");
    shot("label-demonstration");
    driver.findElement(By.id("submit")).click();

    wait.until(ExpectedConditions.presenceOfElementLocated(By.id("ranking")));
    List<List<Integer>> initial = groups();
    assertEquals(4, initial.size());
    // Drag the last response to the top (the gap before rank 1) ...
    int last = initial.get(3).get(0);
    new Actions(driver).clickAndHold(handleOfGroup(3)).moveByOffset(0, -10)
        .moveToElement(driver.findElement(By.cssSelector("li.gap[data-gap='0']"))).release().perform();
    wait.until(d -> groups().get(0).equals(List.of(last)));
    // ... then drop the new last one onto rank 2 to tie them.
    int tieWith = groups().get(1).get(0);
    int moved = groups().get(3).get(0);
    new Actions(driver).clickAndHold(handleOfGroup(3)).moveByOffset(0, -10)
        .moveToElement(driver.findElement(By.cssSelector("li.group[data-group='1'] .rank"))).release().perform();
    wait.until(d -> groups().size() == 3);
    List<List<Integer>> afterDrag = groups();
    assertEquals(List.of(last), afterDrag.get(0));
    assertEquals(List.of(tieWith, moved), afterDrag.get(1));
    // Keyboard: move the bottom response up one step (it ties with the group above).
    WebElement bottom = driver.findElement(By.cssSelector("li.group[data-group='2'] .card"));
    int bottomIndex = Integer.parseInt(bottom.getDomAttribute("data-index"));
    bottom.sendKeys(org.openqa.selenium.Keys.ARROW_UP);
    wait.until(d -> groups().size() == 2);
    assertTrue(groups().get(1).contains(bottomIndex));
    bottom = driver.findElement(By.id("card-" + bottomIndex));
    bottom.sendKeys(org.openqa.selenium.Keys.ARROW_DOWN); // and back down to its own rank
    wait.until(d -> groups().size() == 3);
    List<List<Integer>> expected = groups();
    // Rate each response and flag one.
    for (int i = 0; i < 4; i++) {
      int score = i == last ? 7 : i == bottomIndex ? 1 : 4;
      driver.findElement(By.cssSelector("input[name='likert_" + i + "'][value='" + score + "']")).click();
    }
    driver.findElement(By.cssSelector("input[name='follows_constraints_" + last + "']")).click();
    driver.findElement(By.cssSelector("input[name='fails_instruction_" + bottomIndex + "']")).click();
    shot("label-ranking");
    Path docs = Path.of("..", "docs", "img");
    if (Files.isDirectory(docs.getParent())) {
      Files.createDirectories(docs);
      Files.copy(SHOTS.resolve("label-ranking.png"), docs.resolve("label-ranking.png"), StandardCopyOption.REPLACE_EXISTING);
    }
    driver.findElement(By.id("submit")).click();
    wait.until(ExpectedConditions.presenceOfElementLocated(By.id("queue-done")));
    logout();

    // Admin: the dashboard shows the work and the export reads back.
    login("admin");
    driver.findElement(By.linkText("Robot names")).click();
    wait.until(ExpectedConditions.presenceOfElementLocated(By.id("progress")));
    assertTrue(driver.findElement(By.id("progress")).getText().contains("2 / 2"));
    shot("label-project");
    Path out = dir.resolve("export");
    LabelServer.export(server.config().dbPath(), 1, out);
    List<Ranking> rankings = Jsonl.read(out.resolve("rankings.jsonl"), Ranking.class);
    assertEquals(1, rankings.size());
    assertEquals(expected, rankings.get(0).ranking());
    assertEquals("lena", rankings.get(0).labeler());
    assertEquals(5, rankings.get(0).pairs().size()); // C(4,2) = 6 minus the one tied pair
    List<Demonstration> demos = Jsonl.read(out.resolve("demonstrations.jsonl"), Demonstration.class);
    assertTrue(demos.get(0).response().startsWith("Call it \"Sprout\""));
    List<Rating> ratings = Jsonl.read(out.resolve("ratings.jsonl"), Rating.class);
    assertEquals(7, ratings.get(last).likert());
    assertTrue(ratings.get(last).followsConstraints());
    assertTrue(ratings.get(bottomIndex).failsInstruction());
  }

  private List<List<Integer>> groups() {
    try {
      String value = driver.findElement(By.id("ranking-input")).getDomProperty("value");
      return Client.JSON.readValue(value, new TypeReference<List<List<Integer>>>() {});
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
