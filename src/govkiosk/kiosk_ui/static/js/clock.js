// The privacy clock: an idle countdown per screen, a warning before it runs out, and a hard cap on
// the whole session. It only measures; app.js decides what the warning and the end look like.
export class SessionClock {
  constructor({ warnSeconds, capSeconds, onTick, onWarn, onExpire }) {
    Object.assign(this, { warnSeconds, capSeconds, onTick, onWarn, onExpire });
    this.idleSeconds = 90;
    this.paused = true;
    this.capEnd = null;
    setInterval(() => this.tick(), 250);
  }

  /** Start the idle countdown again (a new screen, a touch, 继续办理). */
  restart(idleSeconds = this.idleSeconds) {
    this.idleSeconds = idleSeconds;
    this.idleEnd = Date.now() + idleSeconds * 1000;
    this.warned = false;
    this.paused = false;
    this.tick();
  }

  /** Start the hard cap, once per session; `seconds` may shorten it (the agent's own session). */
  beginSession(seconds = this.capSeconds) {
    const end = Date.now() + Math.min(seconds, this.capSeconds) * 1000;
    this.capEnd = this.capEnd ? Math.min(this.capEnd, end) : end;
  }

  /** Idle: nobody is using the kiosk, nothing counts down. */
  stop() {
    this.paused = true;
    this.capEnd = null;
    this.onTick(this.idleSeconds);
  }

  tick() {
    if (this.paused) return;
    const now = Date.now();
    const idleLeft = Math.ceil((this.idleEnd - now) / 1000);
    const capLeft = this.capEnd ? Math.ceil((this.capEnd - now) / 1000) : Infinity;
    const left = Math.max(0, Math.min(idleLeft, capLeft));
    this.onTick(left);
    if (left <= 0) {
      this.paused = true;
      this.onExpire(capLeft <= 0 ? "session_cap" : "idle_timeout");
    } else if (left <= this.warnSeconds && !this.warned) {
      this.warned = true;
      this.onWarn(left);
    }
  }
}
