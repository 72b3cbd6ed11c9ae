/** The sample photos of the Run and Explain views (src/app/samples.ts, components/SampleImages.tsx). */
import { defineMessages } from '../define.ts';

export default defineMessages(
  {
    'sample.try': 'Or try a sample photo:',
    'sample.use': 'Use the sample photo: {title}',
    'sample.chelsea': 'Chelsea the cat',
    'sample.coffee': 'A cup of coffee',
    'sample.astronaut': 'Astronaut Eileen Collins',
    'sample.loading': 'Loading {file}…',
    'sample.failed': 'Could not load the sample {file}: {error}. Choose an image of your own instead.',
    'sample.status': 'the server answered {status}',
    'sample.credit': 'Sample photos from scikit-image\'s data: {credits, items}.',
    'sample.creditOne': '{title} ({credit}, {licence})',
    'sample.licence.cc0': 'CC0',
    'sample.licence.publicDomain': 'public domain',
  },
  {
    'sample.try': '或者试试示例照片：',
    'sample.use': '使用示例照片：{title}',
    'sample.chelsea': '猫咪 Chelsea',
    'sample.coffee': '一杯咖啡',
    'sample.astronaut': '宇航员艾琳·柯林斯',
    'sample.loading': '正在加载 {file}…',
    'sample.failed': '无法加载示例 {file}：{error}。请改用自己的图像。',
    'sample.status': '服务器返回 {status}',
    'sample.credit': '示例照片来自 scikit-image 的数据：{credits, items}。',
    'sample.creditOne': '{title}（{credit}，{licence}）',
    'sample.licence.cc0': 'CC0 许可',
    'sample.licence.publicDomain': '公有领域',
  },
);
