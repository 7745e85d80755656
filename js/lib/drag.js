// The one drag of every widget: a line (or step path) moved up or down with the pointer.

/**
 * Make `handle` drag `nodes` vertically inside the SVG `svgRoot`.
 * `onDrop({dy, x, y})` gets the move in SVG units and where it started (SVG units); a move
 * of less than a pixel, or a cancelled drag, puts everything back.
 */
export function dragVertically(svgRoot, handle, nodes, onDrop) {
  handle.addEventListener("pointerdown", (event) => {
    handle.setPointerCapture?.(event.pointerId);
    const box = svgRoot.getBoundingClientRect();
    const scaleY = svgRoot.viewBox.baseVal.height / box.height;
    const scaleX = svgRoot.viewBox.baseVal.width / box.width;
    const x = (event.clientX - box.left) * scaleX;
    const y = (event.clientY - box.top) * scaleY;
    let dy = 0;
    const place = (offset) => {
      for (const node of nodes) {
        if (offset) node.setAttribute("transform", `translate(0 ${offset})`);
        else node.removeAttribute("transform");
      }
    };
    const move = (e) => {
      dy = (e.clientY - box.top) * scaleY - y;
      place(dy);
    };
    const stop = () => {
      handle.removeEventListener("pointermove", move);
      handle.removeEventListener("pointerup", up);
      handle.removeEventListener("pointercancel", stop);
      place(0);
    };
    const up = () => {
      stop();
      if (Math.abs(dy) >= 1) onDrop({ dy, x, y });
    };
    handle.addEventListener("pointermove", move);
    handle.addEventListener("pointerup", up);
    handle.addEventListener("pointercancel", stop);
    event.preventDefault();
  });
}
