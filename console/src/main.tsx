import { type ComponentChild, render } from 'preact';
import { App } from './app';
import { startFirebase } from './firebase';
import './styles.css';

const root = document.getElementById('app')!;
const show = (ui: ComponentChild) => {
  root.textContent = ''; // drop the static "Loading…" placeholder
  render(ui, root);
};

startFirebase()
  .then((services) => show(<App services={services} />))
  .catch((e: unknown) => {
    show(
      <main>
        <section class="card narrow">
          <h1>The console cannot start</h1>
          <p class="error" role="alert">
            {e instanceof Error ? e.message : String(e)}
          </p>
        </section>
      </main>,
    );
  });
