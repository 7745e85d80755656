// The error area every widget shows: a Python-side failure appears here instead of a
// blank output. Python sets the `_error` trait; text only.
import { el } from "./dom.js";

export function errorArea(model) {
  const box = el("div", "mlmon-error");
  box.setAttribute("role", "alert");
  const update = () => {
    const message = model.get("_error") || "";
    box.textContent = message;
    box.classList.toggle("mlmon-error-visible", Boolean(message));
  };
  update();
  model.on("change:_error", update);
  // The view's cleanup calls this, so a removed view leaves no listener on the model.
  box.dispose = () => model.off("change:_error", update);
  return box;
}
