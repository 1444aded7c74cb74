// Starts GOV.UK Frontend's components. A file of its own because the pages' Content Security
// Policy allows no inline script. The pages work without it: it only adds what the components
// do better with JavaScript (error summaries taking focus, character counts, and so on).
import { initAll, isSupported } from "./govuk-frontend.min.js";

document.body.classList.add("js-enabled");
if (isSupported()) {
  document.body.classList.add("govuk-frontend-supported");
  initAll();
}
