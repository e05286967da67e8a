import * as THREE from 'three';
import { GLTFLoader } from 'three/addons/loaders/GLTFLoader.js';
import { OrbitControls } from 'three/addons/controls/OrbitControls.js';
import { MeshoptDecoder } from 'three/addons/libs/meshopt_decoder.module.js';
import { onModelUpdate, type ModelUpdate } from 'vite-plugin-meshy/client';
import helmet, { meta as helmetMeta } from 'meshy:prompt?text=a weathered viking helmet&target_polycount=15000';
import chest, { meta as chestMeta } from 'meshy:prompt?text=a wooden treasure chest with iron bands&enable_pbr';
import pine, { meta as pineMeta } from 'meshy:prompt?text=a stylized pine tree&textured=false';

const renderer = new THREE.WebGLRenderer({ antialias: true, preserveDrawingBuffer: true });
renderer.setPixelRatio(Math.min(devicePixelRatio, 2));
renderer.setSize(innerWidth, innerHeight);
document.body.appendChild(renderer.domElement);

const scene = new THREE.Scene();
scene.background = new THREE.Color(0x15171c);
scene.add(new THREE.HemisphereLight(0xffffff, 0x303040, 1.6));
const sun = new THREE.DirectionalLight(0xffffff, 2.2);
sun.position.set(3, 5, 4);
scene.add(sun);

const camera = new THREE.PerspectiveCamera(45, innerWidth / innerHeight, 0.01, 100);
camera.position.set(0, 1.2, 4.2);
const controls = new OrbitControls(camera, renderer.domElement);
controls.target.set(0, 0.3, 0);
controls.update();

const loader = new GLTFLoader().setMeshoptDecoder(MeshoptDecoder);
const list = document.querySelector('#models')!;

/** One place in the scene per import; in dev its model is swapped in place as Meshy progresses. */
interface Slot {
  url: string;
  meta: ModelUpdate['meta'];
  group: THREE.Group;
  item: HTMLLIElement;
  /** What the scene shows now: 'pending' (placeholder box), 'preview' or 'ready'; 'loading' before the first. */
  shown: string;
  /** Every version shown, in order, and whether it was the placeholder box (browser tests read it). */
  history: { status: string; placeholder: boolean }[];
}

const slots: Slot[] = [
  { url: helmet, meta: helmetMeta },
  { url: chest, meta: chestMeta },
  { url: pine, meta: pineMeta },
].map(({ url, meta }, index) => {
  const group = new THREE.Group();
  group.position.x = (index - 1) * 1.4;
  scene.add(group);
  const item = document.createElement('li');
  list.appendChild(item);
  return { url, meta, group, item, shown: 'loading', history: [] };
});

/** Read by the browser tests: what the scene shows, and an id that a page reload would change. */
(window as unknown as { __meshyPlayground: unknown }).__meshyPlayground = {
  pageId: Math.random().toString(36).slice(2),
  scene,
  models: () => slots.map((slot) => ({ prompt: slot.meta.prompt, status: slot.meta.status, shown: slot.shown, url: slot.url, history: slot.history })),
};

async function show(slot: Slot): Promise<void> {
  const { url, meta } = slot;
  slot.item.innerHTML = `<code>${meta.prompt}</code>: ${meta.status === 'pending' ? '<em>generating…</em>' : `${meta.triangles.toLocaleString()} triangles, ${(meta.bytes / 1024).toFixed(0)} KiB`}${meta.status === 'preview' ? ' (preview)' : ''}`;
  const gltf = await loader.loadAsync(url);
  if (slot.url !== url) return; // a newer version arrived while this one loaded
  const model = gltf.scene;
  // Fit each model into a 1-unit box, resting on its slot.
  const box = new THREE.Box3().setFromObject(model);
  const size = box.getSize(new THREE.Vector3());
  const scale = 1 / Math.max(size.x, size.y, size.z);
  model.scale.setScalar(scale);
  const center = box.getCenter(new THREE.Vector3()).multiplyScalar(scale);
  model.position.set(-center.x, 0.5 - center.y, -center.z);
  for (const old of slot.group.children.splice(0)) dispose(old);
  slot.group.add(model);
  slot.shown = meta.status;
  let placeholder = false;
  model.traverse((child) => (placeholder ||= child.userData.meshyPlaceholder === true));
  slot.history.push({ status: meta.status, placeholder });
}

function dispose(object: THREE.Object3D): void {
  object.traverse((child) => {
    if (!(child instanceof THREE.Mesh)) return;
    child.geometry.dispose();
    for (const material of [child.material].flat()) material.dispose();
  });
}

for (const slot of slots) {
  void show(slot);
  // In dev: placeholder → preview → final model, swapped in place without reloading the page.
  onModelUpdate(slot.meta, ({ url, meta }) => {
    Object.assign(slot, { url, meta });
    void show(slot);
  });
}

addEventListener('resize', () => {
  camera.aspect = innerWidth / innerHeight;
  camera.updateProjectionMatrix();
  renderer.setSize(innerWidth, innerHeight);
});

renderer.setAnimationLoop((time) => {
  for (const slot of slots) slot.group.rotation.y = time / 4000;
  renderer.render(scene, camera);
});
