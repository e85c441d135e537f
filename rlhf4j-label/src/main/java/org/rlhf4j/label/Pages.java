package org.rlhf4j.label;

import static org.rlhf4j.label.Html.esc;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/** Server-rendered pages. No inline scripts or styles: the CSP allows only /static assets. */
final class Pages {
  private Pages() {}

  private static final String[] FLAGS = {
    "fails_instruction", "Fails to follow the instruction",
    "hallucination", "Hallucination (makes things up)",
    "inappropriate", "Inappropriate for a customer assistant",
    "harmful", "Harmful or sexual/violent content",
    "follows_constraints", "Follows explicit constraints"
  };

  static String layout(Store.Session s, String title, String body, String... scripts) {
    StringBuilder nav = new StringBuilder();
    if (s != null) {
      nav.append("<nav>");
      if (s.admin()) {
        nav.append("<a href=\"/admin\">Projects</a><a href=\"/admin/users\">People</a>");
      } else {
        nav.append("<a href=\"/\">My queue</a>");
      }
      nav.append("<span class=\"who\">")
          .append(esc(s.username()))
          .append(" · ")
          .append(esc(s.role()))
          .append("</span>")
          .append("<form method=\"post\" action=\"/logout\" class=\"inline\">")
          .append(csrf(s))
          .append("<button class=\"link\" id=\"logout\" type=\"submit\">Log out</button></form></nav>");
    }
    StringBuilder js = new StringBuilder();
    for (String script : scripts) {
      js.append("<script src=\"/static/").append(script).append("\" defer></script>");
    }
    return "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
        + "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        + "<title>"
        + esc(title)
        + " · rlhf4j label</title><link rel=\"stylesheet\" href=\"/static/app.css\">"
        + js
        + "</head><body><header><a class=\"brand\" href=\"/\">rlhf4j <span>label</span></a>"
        + nav
        + "</header><main>"
        + body
        + "</main></body></html>";
  }

  static String csrf(Store.Session s) {
    return "<input type=\"hidden\" name=\"_csrf\" value=\"" + esc(s.csrf()) + "\">";
  }

  static String error(Store.Session s, int status, String message) {
    return layout(
        s,
        "Error " + status,
        "<section class=\"panel narrow\"><h1>" + status + "</h1><p class=\"error\">" + esc(message)
            + "</p><p><a href=\"/\">Back</a></p></section>");
  }

  static String login(String csrfToken, boolean failed) {
    return layout(
        null,
        "Log in",
        "<section class=\"panel narrow\"><h1>Log in</h1>"
            + (failed ? "<p class=\"error\" id=\"login-error\">Wrong username or password.</p>" : "")
            + "<form method=\"post\" action=\"/login\"><input type=\"hidden\" name=\"_csrf\" value=\""
            + esc(csrfToken)
            + "\"><label>Username<input name=\"username\" id=\"username\" autocomplete=\"username\" required maxlength=\"64\" autofocus></label>"
            + "<label>Password<input type=\"password\" name=\"password\" id=\"password\" autocomplete=\"current-password\" required maxlength=\"288\"></label>"
            + "<button type=\"submit\" id=\"login\">Log in</button></form></section>");
  }

  static String invite(String username, String error) {
    return layout(
        null,
        "Welcome",
        "<section class=\"panel narrow\"><h1>Welcome, " + esc(username) + "</h1>"
            + "<p>Choose a password (8 characters or more) to activate your account.</p>"
            + (error == null ? "" : "<p class=\"error\">" + esc(error) + "</p>")
            + "<form method=\"post\"><label>Password<input type=\"password\" name=\"password\" required minlength=\"8\" maxlength=\"72\" autocomplete=\"new-password\"></label>"
            + "<label>Repeat password<input type=\"password\" name=\"password2\" required minlength=\"8\" maxlength=\"72\" autocomplete=\"new-password\"></label>"
            + "<button type=\"submit\">Activate</button></form></section>");
  }

  static String home(Store.Session s, List<Map<String, Object>> queue) {
    StringBuilder b = new StringBuilder("<h1>My queue</h1>");
    if (queue.isEmpty()) {
      b.append("<p class=\"muted\">Nothing assigned to you yet.</p>");
    }
    b.append("<div class=\"grid\">");
    for (Map<String, Object> q : queue) {
      long assigned = (Long) q.get("assigned");
      long done = (Long) q.get("done");
      b.append("<section class=\"panel project-card\"><h2>")
          .append(esc(q.get("name")))
          .append("</h2>")
          .append(progressBar(done, assigned));
      if (q.get("instructions") != null) {
        b.append("<p class=\"instructions\">").append(esc(q.get("instructions"))).append("</p>");
      }
      b.append(
          done < assigned
              ? "<a class=\"button start\" href=\"/task/next?project=" + q.get("project_id") + "\">Start labeling</a>"
              : "<p class=\"ok\">All done. Thank you!</p>");
      b.append("</section>");
    }
    b.append("</div>");
    return layout(s, "My queue", b.toString());
  }

  static String progressBar(long done, long total) {
    int pct = total == 0 ? 0 : (int) (100 * done / total);
    return "<div class=\"progress\"><progress max=\"" + total + "\" value=\"" + done + "\"></progress><span>"
        + done + " / " + total + " (" + pct + "%)</span></div>";
  }

  static String done(Store.Session s) {
    return layout(
        s,
        "Done",
        "<section class=\"panel narrow\" id=\"queue-done\"><h1>Queue empty</h1><p>No tasks are waiting for you"
            + " here right now. (Candidates may still be generating.)</p><p><a class=\"button\" href=\"/\">Back to my queue</a></p></section>");
  }

  static String task(Store.Session s, Store.Project p, Store.Assignment a, boolean labeled, long[] progress) {
    Store.Item item = a.item();
    StringBuilder b = new StringBuilder();
    b.append("<div class=\"task-head\"><span class=\"crumb\">")
        .append(esc(p.name()))
        .append("</span>")
        .append(progressBar(progress[1], progress[0]))
        .append("</div>");
    if (labeled) {
      b.append("<p class=\"notice\">You already labeled this item; submitting again replaces your answer.</p>");
    }
    if (p.instructions() != null) {
      b.append("<details class=\"instructions\"><summary>Instructions</summary><p>")
          .append(esc(p.instructions()))
          .append("</p></details>");
    }
    b.append("<section class=\"prompt\"><h2>Prompt</h2><div class=\"text\" id=\"prompt\">")
        .append(esc(item.prompt()))
        .append("</div></section>");
    String action = "/task/" + a.id();
    switch (item.task()) {
      case "demonstration" -> {
        b.append("<form method=\"post\" action=\"").append(action).append("\" id=\"demo-form\" class=\"panel\">")
            .append(csrf(s))
            .append("<h2>Write the ideal response</h2><p class=\"muted\">Answer as a helpful, honest and harmless assistant would."
                + " <kbd>Ctrl</kbd>+<kbd>Enter</kbd> submits.</p>")
            .append("<textarea name=\"response\" id=\"response\" rows=\"10\" required maxlength=\"")
            .append(ProjectSpec.MAX_TEXT)
            .append("\"></textarea><button type=\"submit\" id=\"submit\">Submit demonstration</button></form>");
        return layout(s, "Demonstration", b.toString(), "app.js");
      }
      case "ab" -> {
        List<String> c = Projects.candidates(item);
        String one = a.swap() ? c.get(1) : c.get(0);
        String two = a.swap() ? c.get(0) : c.get(1);
        b.append("<form method=\"post\" action=\"").append(action).append("\" id=\"ab-form\">")
            .append(csrf(s))
            .append("<div class=\"ab\"><section class=\"panel\"><h2>Response 1</h2><div class=\"text\" id=\"response-1\">")
            .append(esc(one))
            .append("</div></section><section class=\"panel\"><h2>Response 2</h2><div class=\"text\" id=\"response-2\">")
            .append(esc(two))
            .append("</div></section></div><div class=\"choices\">"
                + "<button name=\"choice\" value=\"1\" id=\"choose-1\" type=\"submit\">1 is better <kbd>1</kbd></button>"
                + "<button name=\"choice\" value=\"tie\" id=\"choose-tie\" class=\"secondary\" type=\"submit\">About the same <kbd>T</kbd></button>"
                + "<button name=\"choice\" value=\"2\" id=\"choose-2\" type=\"submit\">2 is better <kbd>2</kbd></button></div></form>");
        return layout(s, "Compare", b.toString(), "app.js");
      }
      default -> {
        List<String> c = Projects.candidates(item);
        // Display order is shuffled per assignment so that no model position is favoured.
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < c.size(); i++) {
          order.add(i);
        }
        Collections.shuffle(order, new Random(a.id() * 7919L));
        b.append("<form method=\"post\" action=\"").append(action).append("\" id=\"rank-form\">")
            .append(csrf(s))
            .append("<input type=\"hidden\" name=\"ranking\" id=\"ranking-input\">")
            .append("<section class=\"panel\"><h2>Rank the responses, best first</h2><p class=\"muted help\">"
                + "Drag a response by its handle onto another rank to <b>tie</b> them, or between ranks to place it there."
                + " Keyboard: focus a response (<kbd>Tab</kbd>), then <kbd>↑</kbd>/<kbd>↓</kbd> move it one step"
                + " (alone → tied with the neighbour → past it). Score each response 1–7 and tick what applies.</p>"
                + "<ol id=\"ranking\" class=\"ranking\">");
        int rank = 1;
        for (int i : order) {
          b.append("<li class=\"group\"><div class=\"rank\">").append(rank++).append("</div><div class=\"cards\">");
          b.append("<article class=\"card\" tabindex=\"0\" data-index=\"").append(i)
              .append("\" id=\"card-").append(i).append("\" aria-label=\"Response ").append(i + 1).append("\">")
              .append("<div class=\"handle\" title=\"Drag to rank\" aria-hidden=\"true\">⠿</div><div class=\"body\">")
              .append("<div class=\"text\">").append(esc(c.get(i))).append("</div>")
              .append("<fieldset class=\"rating\"><legend>Quality</legend><div class=\"likert\">");
          for (int v = 1; v <= 7; v++) {
            b.append("<label><input type=\"radio\" name=\"likert_").append(i).append("\" value=\"").append(v)
                .append("\" required>").append(v).append("</label>");
          }
          b.append("</div><div class=\"flags\">");
          for (int f = 0; f < FLAGS.length; f += 2) {
            b.append("<label><input type=\"checkbox\" name=\"").append(FLAGS[f]).append('_').append(i)
                .append("\">").append(FLAGS[f + 1]).append("</label>");
          }
          b.append("</div></fieldset></div></article></div></li>");
        }
        b.append("</ol><p id=\"rank-status\" class=\"muted\" aria-live=\"polite\"></p>"
            + "<button type=\"submit\" id=\"submit\">Submit ranking</button></section></form>");
        return layout(s, "Rank", b.toString(), "rank.js");
      }
    }
  }

  static String admin(Store.Session s, List<Store.Project> projects, List<Store.User> users) {
    StringBuilder b = new StringBuilder("<div class=\"title-row\"><h1>Projects</h1><a class=\"button\" id=\"new-project\" href=\"/admin/projects/new\">New project</a></div>");
    if (projects.isEmpty()) {
      b.append("<p class=\"muted\">No projects yet. Invite labelers under People, then create a project from a prompt file.</p>");
    }
    b.append("<table><thead><tr><th>Project</th><th>Tasks</th><th>K</th><th>Source</th><th>Status</th></tr></thead><tbody>");
    for (Store.Project p : projects) {
      b.append("<tr><td><a href=\"/admin/projects/").append(p.id()).append("\">").append(esc(p.name()))
          .append("</a></td><td>").append(esc(String.join(", ", p.tasks()))).append("</td><td>")
          .append(p.k() == 0 ? "–" : p.k()).append("</td><td>").append(esc(p.source())).append("</td><td>")
          .append(status(p)).append("</td></tr>");
    }
    b.append("</tbody></table>");
    return layout(s, "Projects", b.toString());
  }

  private static String status(Store.Project p) {
    return "<span class=\"status " + esc(p.status()) + "\">" + esc(p.status())
        + (p.statusDetail() == null ? "" : " (" + esc(p.statusDetail()) + ")") + "</span>";
  }

  static String users(Store.Session s, List<Store.User> users, String message) {
    StringBuilder b = new StringBuilder("<h1>People</h1>");
    if (message != null) {
      b.append("<p class=\"notice\" id=\"message\">").append(esc(message)).append("</p>");
    }
    b.append("<table><thead><tr><th>User</th><th>Role</th><th>State</th><th></th></tr></thead><tbody>");
    for (Store.User u : users) {
      b.append("<tr><td>").append(esc(u.username())).append("</td><td>").append(esc(u.role())).append("</td><td>")
          .append(u.disabled() ? "disabled" : u.activated() ? "active" : "invited").append("</td><td>");
      if (u.id() != s.userId()) {
        b.append("<form method=\"post\" class=\"inline\" action=\"/admin/users/").append(u.id()).append("/disable\">")
            .append(csrf(s)).append("<input type=\"hidden\" name=\"disabled\" value=\"").append(u.disabled() ? 0 : 1)
            .append("\"><button class=\"link\" type=\"submit\">").append(u.disabled() ? "Enable" : "Disable")
            .append("</button></form>");
      }
      b.append("</td></tr>");
    }
    b.append("</tbody></table><div class=\"grid\"><section class=\"panel\"><h2>Invite a labeler</h2>"
        + "<p class=\"muted\">Creates the account and a one-time link (valid 7 days) where they choose a password.</p>"
        + "<form method=\"post\" action=\"/admin/users\">").append(csrf(s))
        .append("<label>Username<input name=\"username\" id=\"invite-username\" required maxlength=\"64\" pattern=\"[A-Za-z0-9_.\\-]+\"></label>"
            + "<input type=\"hidden\" name=\"role\" value=\"labeler\"><button type=\"submit\" id=\"invite\">Create invite link</button></form></section>"
            + "<section class=\"panel\"><h2>Create an account with a password</h2><form method=\"post\" action=\"/admin/users\">")
        .append(csrf(s))
        .append("<label>Username<input name=\"username\" id=\"new-username\" required maxlength=\"64\" pattern=\"[A-Za-z0-9_.\\-]+\"></label>"
            + "<label>Password<input type=\"password\" name=\"password\" id=\"new-password\" required minlength=\"8\" maxlength=\"72\" autocomplete=\"new-password\"></label>"
            + "<label>Role<select name=\"role\" id=\"new-role\"><option value=\"labeler\">labeler</option><option value=\"admin\">admin</option></select></label>"
            + "<button type=\"submit\" id=\"create-user\">Create account</button></form></section></div>");
    return layout(s, "People", b.toString());
  }

  static String newProject(Store.Session s, List<Store.User> users, Set<String> sources, Set<String> pairSources) {
    StringBuilder labelers = new StringBuilder();
    for (Store.User u : users) {
      if (Store.LABELER.equals(u.role()) && !u.disabled()) {
        labelers.append("<label class=\"check\"><input type=\"checkbox\" name=\"labelers\" value=\"").append(esc(u.username()))
            .append("\" checked>").append(esc(u.username())).append("</label>");
      }
    }
    if (labelers.length() == 0) {
      labelers.append("<p class=\"error\">No labelers yet: invite some under People first.</p>");
    }
    StringBuilder options = new StringBuilder("<option value=\"\">— upload a candidates file below —</option>");
    for (String name : sources) {
      options.append("<option value=\"").append(esc(name)).append("\">").append(esc(name)).append("</option>");
    }
    StringBuilder pairOptions = new StringBuilder("<option value=\"\">— upload two response files below —</option>");
    for (String name : pairSources) {
      pairOptions.append("<option value=\"").append(esc(name)).append("\">").append(esc(name)).append("</option>");
    }
    String body =
        "<h1>New project</h1><form method=\"post\" action=\"/admin/projects\" enctype=\"multipart/form-data\" class=\"panel form-grid\" id=\"project-form\">"
            + csrf(s)
            + "<label>Name<input name=\"name\" id=\"project-name\" required maxlength=\"200\"></label>"
            + "<label>Prompt file (JSONL: <code>{\"id\", \"prompt\", \"category\"}</code>)<input type=\"file\" name=\"prompts_file\" id=\"prompts-file\" accept=\".jsonl,.json,.txt\" required></label>"
            + "<fieldset><legend>Tasks</legend>"
            + "<label class=\"check\"><input type=\"checkbox\" name=\"tasks\" value=\"demonstration\" id=\"task-demonstration\" checked>Write demonstrations</label>"
            + "<label class=\"check\"><input type=\"checkbox\" name=\"tasks\" value=\"ranking\" id=\"task-ranking\" checked>Rank K candidates (with Likert and metadata)</label>"
            + "<label class=\"check\"><input type=\"checkbox\" name=\"tasks\" value=\"ab\" id=\"task-ab\">Blind A/B comparison of two models</label></fieldset>"
            + "<fieldset><legend>Ranking candidates</legend>"
            + "<label>K (candidates per prompt, 4–9)<input type=\"number\" name=\"k\" id=\"k\" min=\"4\" max=\"9\" value=\"4\"></label>"
            + "<label>Candidate source<select name=\"candidate_source\" id=\"candidate-source\">" + options + "</select></label>"
            + "<label>Candidates file (JSONL: <code>{\"prompt_id\", \"responses\": [...]}</code>)<input type=\"file\" name=\"candidates_file\" id=\"candidates-file\" accept=\".jsonl,.json,.txt\"></label></fieldset>"
            + "<fieldset><legend>A/B models</legend>"
            + "<label>Pair source<select name=\"pair_source\" id=\"pair-source\">" + pairOptions + "</select></label>"
            + "<label>Model A name<input name=\"model_a\" id=\"model-a\" maxlength=\"100\"></label>"
            + "<label>Model A responses (JSONL: <code>{\"prompt_id\", \"response\"}</code>)<input type=\"file\" name=\"responses_a_file\" id=\"responses-a-file\"></label>"
            + "<label>Model B name<input name=\"model_b\" id=\"model-b\" maxlength=\"100\"></label>"
            + "<label>Model B responses<input type=\"file\" name=\"responses_b_file\" id=\"responses-b-file\"></label></fieldset>"
            + "<fieldset><legend>Labelers</legend>" + labelers
            + "<label>Overlap: % of prompts given to several labelers<input type=\"number\" name=\"overlap_percent\" id=\"overlap-percent\" min=\"0\" max=\"100\" value=\"20\"></label>"
            + "<label>Labelers per overlapping prompt<input type=\"number\" name=\"overlap_labelers\" id=\"overlap-labelers\" min=\"2\" max=\"20\" value=\"2\"></label></fieldset>"
            + "<label>Instructions for labelers<textarea name=\"instructions\" id=\"instructions\" rows=\"3\" maxlength=\"20000\"></textarea></label>"
            + "<button type=\"submit\" id=\"create-project\">Create project</button></form>";
    return layout(s, "New project", body);
  }

  static String project(Store.Session s, Store.Project p, Labels.Dashboard d) {
    StringBuilder b = new StringBuilder();
    b.append("<div class=\"title-row\"><h1 id=\"project-title\">").append(esc(p.name())).append("</h1>")
        .append(status(p)).append("</div><p class=\"muted\">Tasks: ").append(esc(String.join(", ", p.tasks())))
        .append(p.k() > 0 ? " · K = " + p.k() : "").append(" · source: ").append(esc(p.source())).append("</p>");
    b.append("<section class=\"panel\"><h2>Progress</h2><table id=\"progress\"><thead><tr><th>Labeler</th><th>Done</th>"
        + "<th>Labels / hour</th><th>Agreement</th></tr></thead><tbody>");
    for (Labels.LabelerRow r : d.labelers()) {
      b.append("<tr><td>").append(esc(r.username())).append("</td><td>").append(progressBar(r.done(), r.assigned()))
          .append("</td><td>").append(fmt(r.perHour(), "%.0f")).append("</td><td>").append(pct(r.agreement()))
          .append("</td></tr>");
    }
    b.append("</tbody></table><p class=\"muted\">Labels per hour count active time: the time from opening a task to"
        + " submitting it, capped at 10 minutes. Agreement is measured on overlapping items.</p></section>");
    b.append("<section class=\"panel\"><h2>Inter-labeler agreement</h2><p>Rankings: <b id=\"ranking-agreement\">")
        .append(pct(d.rankingAgreement())).append("</b> pairwise agreement over ").append(d.rankingPairs())
        .append(" labeler pairs (fraction of response pairs ordered the same way; InstructGPT's labelers: 72.6%).</p>"
            + "<p>A/B: <b>").append(pct(d.abAgreement())).append("</b> over ").append(d.abPairs()).append(" labeler pairs.</p></section>");
    if (p.tasks().contains("ab")) {
      Stats.WinRate w = d.winRate();
      b.append("<section class=\"panel\"><h2>A/B result</h2><p id=\"win-rate\"><b>").append(esc(p.modelB()))
          .append("</b> beats <b>").append(esc(p.modelA())).append("</b> ").append(pct(w.rateB()))
          .append(" of the time (95% Wilson CI ").append(pct(w.low())).append("–").append(pct(w.high()))
          .append("; ties count half; n = ").append(w.n()).append(": ").append(w.winsB()).append(" wins, ")
          .append(w.winsA()).append(" losses, ").append(w.ties()).append(" ties).</p></section>");
    }
    b.append("<section class=\"panel\"><h2>Export</h2><p class=\"muted\">JSONL in the rlhf4j-data formats, ready for"
        + " <code>rlhf4j sft --data</code> and <code>rlhf4j reward --data</code>.</p><ul class=\"exports\">");
    for (String kind : List.of("demonstrations", "rankings", "ratings", "judgments")) {
      b.append("<li><a id=\"export-").append(kind).append("\" href=\"/admin/projects/").append(p.id())
          .append("/export/").append(kind).append(".jsonl\">").append(kind).append(".jsonl</a></li>");
    }
    b.append("</ul></section>");
    return layout(s, p.name(), b.toString());
  }

  private static String pct(double v) {
    return Double.isNaN(v) ? "–" : String.format("%.1f%%", 100 * v);
  }

  private static String fmt(double v, String f) {
    return Double.isNaN(v) ? "–" : String.format(f, v);
  }
}
